/** Credit1's constants, xen/common/sched/credit.c (and private.h for the ratelimit). */

/** CSCHED_DEFAULT_WEIGHT; legal weights are 1..65535. */
export const CREDIT_WEIGHT_DEFAULT = 256;
export const CREDIT_WEIGHT_MIN = 1;
export const CREDIT_WEIGHT_MAX = 65535;
/** The cap is a uint16 in XEN_DOMCTL_SCHEDOP_putinfo, and ~0 means "leave it": 0..65534. */
export const CREDIT_CAP_MAX = 65534;

/** CSCHED_DEFAULT_TSLICE_MS, within XEN_SYSCTL_CSCHED_TSLICE_MIN..MAX (1..1000 ms). */
export const TSLICE_MS_DEFAULT = 30;
export const TSLICE_MS_MIN = 1;
export const TSLICE_MS_MAX = 1000;
/** CSCHED_TICKS_PER_TSLICE: the per-pCPU tick is tslice / 3 = 10 ms by default. */
export const TICKS_PER_TSLICE = 3;
/** CSCHED_CREDITS_PER_MSEC: a running vCPU burns 10 credits per ms; 300 per 30 ms timeslice. */
export const CREDITS_PER_MSEC = 10;

/** SCHED_DEFAULT_RATELIMIT_US (private.h); 0 turns it off, else XEN_SYSCTL_SCHED_RATELIMIT_MIN..MAX. */
export const RATELIMIT_US_DEFAULT = 1000;
export const RATELIMIT_US_MIN = 100;
export const RATELIMIT_US_MAX = 500_000;

/** CSCHED_PRI_*: higher runs first. */
export const PRI_BOOST = 0;
export const PRI_UNDER = -1;
export const PRI_OVER = -2;
export const PRI_IDLE = -64;

export type CreditPriority = typeof PRI_BOOST | typeof PRI_UNDER | typeof PRI_OVER;

export const NS_PER_MS = 1_000_000;
export const NS_PER_US = 1_000;
