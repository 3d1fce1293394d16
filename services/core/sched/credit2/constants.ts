/** Credit2's constants, xen/common/sched/credit2.c. Credit is kept in ns of the top weight's time. */

/** CSCHED2_DEFAULT_WEIGHT. Weights are 1..65535 as under credit. */
export const CREDIT2_WEIGHT_DEFAULT = 256;
export const CREDIT2_WEIGHT_MIN = 1;
export const CREDIT2_WEIGHT_MAX = 65535;
/** CSCHED2_CREDIT_INIT: what a unit starts with and gets at each reset (10 ms). */
export const CREDIT_INIT_NS = 10_000_000;
/** CSCHED2_MIN_TIMER: the shortest slice. */
export const MIN_TIMER_NS = 500_000;
/** CSCHED2_MAX_TIMER = CSCHED2_CREDIT_INIT: the longest slice. */
export const MAX_TIMER_NS = CREDIT_INIT_NS;
/** CSCHED2_CARRYOVER_MAX = CSCHED2_MIN_TIMER: credit kept over a reset. */
export const CARRYOVER_MAX_NS = MIN_TIMER_NS;
/** CSCHED2_CREDIT_RESET: picking a unit with this much credit or less resets the runqueue. */
export const CREDIT_RESET_NS = 0;
/** CSCHED2_MIGRATE_RESIST (opt_migrate_resist = 500 µs): pull from another pCPU only for more. */
export const MIGRATE_RESIST_NS = 500_000;
/** CSCHED2_MIGRATE_COMPENSATION: credit given to a unit moved to another pCPU. */
export const MIGRATE_COMPENSATION_NS = 50_000;
/** CSCHED2_IDLE_CREDIT: what the idle unit compares with, below any real unit's credit. */
export const IDLE_CREDIT_NS = -(2 ** 30);
/** sched_credit2_max_cpus_runqueue default: at most 16 pCPUs share a runqueue. */
export const PCPU_COUNT_PER_RUNQUEUE_MAX = 16;
/** CSCHED2_BDGT_REPL_PERIOD (credit2_cap_period_ms = 10): caps are replenished this often. */
export const CAP_PERIOD_NS = 10_000_000;
/** Shortest slice a cap's remaining budget cuts a unit to (xensim: bounds the events per period). */
export const CAP_SLICE_NS_MIN = 100_000;
