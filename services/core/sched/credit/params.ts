import type { SchedDomainParams, SchedPoolParams } from "../policy.js";
import {
  CREDIT_CAP_MAX,
  CREDIT_WEIGHT_MAX,
  CREDIT_WEIGHT_MIN,
  RATELIMIT_US_MAX,
  RATELIMIT_US_MIN,
  TICKS_PER_TSLICE,
  TSLICE_MS_MAX,
  TSLICE_MS_MIN,
} from "./constants.js";

export function creditDomainParamsProblem(params: SchedDomainParams): string | undefined {
  if (!isIntegerIn(params.weight, CREDIT_WEIGHT_MIN, CREDIT_WEIGHT_MAX)) {
    return `weight ${params.weight} is not in ${CREDIT_WEIGHT_MIN}..${CREDIT_WEIGHT_MAX}`;
  }
  if (!isIntegerIn(params.cap, 0, CREDIT_CAP_MAX)) return `cap ${params.cap} is not in 0..${CREDIT_CAP_MAX}`;
  return undefined;
}

/**
 * csched_sys_cntl: tslice within 1..1000 ms, ratelimit 0 (off) or 100..500000 µs and never longer
 * than the timeslice.
 */
export function creditPoolParamsProblem(params: SchedPoolParams): string | undefined {
  const tsliceMs = params.tsliceMs;
  if (tsliceMs === undefined || !isIntegerIn(tsliceMs, TSLICE_MS_MIN, TSLICE_MS_MAX)) {
    return `tslice ${tsliceMs} ms is not in ${TSLICE_MS_MIN}..${TSLICE_MS_MAX}`;
  }
  if (params.ratelimitUs === undefined) return "a credit pool needs a ratelimit";
  return ratelimitProblem(params.ratelimitUs, tsliceMs * 1000);
}

/** The ratelimit rule both schedulers share (xen/common/sched/private.h, public/sysctl.h). */
export function ratelimitProblem(ratelimitUs: number, ceilingUs: number): string | undefined {
  if (ratelimitUs === 0) return undefined;
  if (!isIntegerIn(ratelimitUs, RATELIMIT_US_MIN, RATELIMIT_US_MAX)) {
    return `ratelimit ${ratelimitUs} us is not 0 or in ${RATELIMIT_US_MIN}..${RATELIMIT_US_MAX}`;
  }
  if (ratelimitUs > ceilingUs)
    return `ratelimit ${ratelimitUs} us is longer than the ${ceilingUs} us timeslice`;
  return undefined;
}

/** CSCHED_TICKS_PER_TSLICE, or 1 when the timeslice is shorter than that many ms (csched_sys_cntl). */
export function ticksPerTslice(tsliceMs: number): number {
  return tsliceMs < TICKS_PER_TSLICE ? 1 : TICKS_PER_TSLICE;
}

/** tick_period_us = tslice_ms * 1000 / ticks_per_tslice, in whole µs as Xen computes it. */
export function tickPeriodNs(tsliceMs: number): number {
  return Math.floor((tsliceMs * 1000) / ticksPerTslice(tsliceMs)) * 1000;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
