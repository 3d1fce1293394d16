import { ratelimitProblem } from "../credit/params.js";
import { RATELIMIT_US_MAX } from "../credit/constants.js";
import type { SchedDomainParams, SchedPoolParams } from "../policy.js";
import { CREDIT2_WEIGHT_MAX, CREDIT2_WEIGHT_MIN } from "./constants.js";

/** csched2_dom_cntl: weight 1..65535; cap at most 100 % per vCPU (cap > 100 * nr_units is EINVAL). */
export function credit2DomainParamsProblem(
  params: SchedDomainParams,
  vcpuCountMax: number,
): string | undefined {
  const { weight, cap } = params;
  if (!Number.isInteger(weight) || weight < CREDIT2_WEIGHT_MIN || weight > CREDIT2_WEIGHT_MAX) {
    return `weight ${weight} is not in ${CREDIT2_WEIGHT_MIN}..${CREDIT2_WEIGHT_MAX}`;
  }
  const capMax = 100 * vcpuCountMax;
  if (!Number.isInteger(cap) || cap < 0 || cap > capMax) return `cap ${cap} is not in 0..${capMax}`;
  return undefined;
}

/** csched2_sys_cntl: credit2 has a ratelimit but no timeslice parameter. */
export function credit2PoolParamsProblem(params: Partial<SchedPoolParams>): string | undefined {
  if (params.tsliceMs !== undefined) return "credit2 has no timeslice parameter (tslice is credit's)";
  return params.ratelimitUs === undefined
    ? undefined
    : ratelimitProblem(params.ratelimitUs, RATELIMIT_US_MAX);
}
