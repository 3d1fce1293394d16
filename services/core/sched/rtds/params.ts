import type { SchedDomainParams, SchedPoolParams } from "../policy.js";
import { RTDS_BUDGET_US_MIN, RTDS_PERIOD_US_MAX, RTDS_PERIOD_US_MIN } from "./constants.js";
import type { RtdsVcpuParams } from "./unit.js";

/** rt_validate_params: period 10 µs..2^32-1 µs, budget 10 µs..period. */
export function rtdsVcpuParamsProblem(params: RtdsVcpuParams): string | undefined {
  const { periodUs, budgetUs } = params;
  if (!Number.isInteger(periodUs) || periodUs < RTDS_PERIOD_US_MIN || periodUs > RTDS_PERIOD_US_MAX)
    return `period ${periodUs} us is not in ${RTDS_PERIOD_US_MIN}..${RTDS_PERIOD_US_MAX}`;
  if (!Number.isInteger(budgetUs) || budgetUs < RTDS_BUDGET_US_MIN || budgetUs > periodUs)
    return `budget ${budgetUs} us is not in ${RTDS_BUDGET_US_MIN}..${periodUs} (the period)`;
  return undefined;
}

/** RTDS reads no weight or cap; each vCPU's parameters must be valid, one entry per vCPU at most. */
export function rtdsDomainParamsProblem(params: SchedDomainParams, vcpuCountMax: number): string | undefined {
  const rtds = params.rtds ?? [];
  if (rtds.length > vcpuCountMax) return `${rtds.length} vCPU parameter sets for ${vcpuCountMax} vCPUs`;
  for (const [vcpuId, entry] of rtds.entries()) {
    const problem = rtdsVcpuParamsProblem(entry);
    if (problem !== undefined) return `vCPU ${vcpuId}: ${problem}`;
  }
  return undefined;
}

/** RTDS has no pool-wide parameter (xl prints only "sched=RTDS" for its pools). */
export function rtdsPoolParamsProblem(params: Partial<SchedPoolParams>): string | undefined {
  if (params.tsliceMs !== undefined) return "rtds has no timeslice parameter (tslice is credit's)";
  if (params.ratelimitUs !== undefined) return "rtds has no ratelimit parameter";
  return undefined;
}
