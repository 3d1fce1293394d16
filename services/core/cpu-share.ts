import type { Domain } from "./domain.js";

/** CPU a vCPU with an idle workload still uses (timer ticks, housekeeping), as a fraction of one pCPU. */
export const IDLE_VCPU_DEMAND_FRACTION = 0.002;

/**
 * Proportional share of the pCPUs over one tick, until the credit scheduler lands: each runnable
 * domain asks for its online vCPUs (busy workload) or a sliver (idle); when asked for more than the
 * host has, every domain gets the same fraction of what it asked. Returns CPU milliseconds by domid.
 */
export function shareCpu(
  domains: readonly Domain[],
  pcpuCount: number,
  elapsedMs: number,
): Map<number, number> {
  const demandByDomid = new Map<number, number>();
  let demandTotal = 0;
  for (const domain of domains) {
    const busy = domain.workload.spec.kind !== "idle";
    const demand = domain.vcpusOnline * (busy ? 1 : IDLE_VCPU_DEMAND_FRACTION);
    demandByDomid.set(domain.domid, demand);
    demandTotal += demand;
  }
  const scale = demandTotal > pcpuCount ? pcpuCount / demandTotal : 1;
  const cpuMsByDomid = new Map<number, number>();
  for (const [domid, demand] of demandByDomid) cpuMsByDomid.set(domid, demand * scale * elapsedMs);
  return cpuMsByDomid;
}
