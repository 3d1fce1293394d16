/** RTDS's constants, xen/common/sched/rt.c. Parameters are in µs at the interface, ns inside. */

/** RTDS_DEFAULT_PERIOD: every vCPU starts with a 10 ms period... */
export const RTDS_PERIOD_US_DEFAULT = 10_000;
/** RTDS_DEFAULT_BUDGET: ...and a 4 ms budget in it. */
export const RTDS_BUDGET_US_DEFAULT = 4_000;
/** New vCPUs may run past their budget at a lower priority (rt_alloc_udata sets RTDS_extratime). */
export const RTDS_EXTRATIME_DEFAULT = true;
/** RTDS_MIN_PERIOD and RTDS_MIN_BUDGET: 10 µs (rt_validate_params refuses less with EINVAL). */
export const RTDS_PERIOD_US_MIN = 10;
export const RTDS_BUDGET_US_MIN = 10;
/** The period is a uint32 of µs in struct xen_domctl_sched_rtds. */
export const RTDS_PERIOD_US_MAX = 0xffff_ffff;
