import type { PolicyHost } from "../policy.js";
import type { CpuMask } from "../cpu-mask.js";
import type { CreditRunq } from "./runq.js";
import type { CreditUnit } from "./unit.js";

/** An idle pCPU of `mask` not already asked to reschedule, looking from `from` onwards. */
export function idlePcpuIn(host: PolicyHost, mask: CpuMask, from: number): number | undefined {
  for (let offset = 0; offset < host.pcpuCount; offset++) {
    const pcpu = (from + offset) % host.pcpuCount;
    if (mask.has(pcpu) && host.current(pcpu) === undefined && !host.isTickled(pcpu)) return pcpu;
  }
  return undefined;
}

/**
 * __runq_tickle: a unit was queued on its pCPU's runqueue. If that pCPU idles it takes the unit;
 * else an idle pCPU the unit may use is tickled and will steal it; else the pCPU is preempted when
 * the unit's priority beats what runs there (a BOOSTed wake-up preempts an UNDER unit).
 */
export function tickleForUnit(
  host: PolicyHost,
  unit: CreditUnit,
  currentPri: (pcpu: number) => number,
): void {
  const pcpu = unit.vcpu.pcpu;
  if (host.current(pcpu) === undefined) {
    host.tickle(pcpu);
    return;
  }
  const idle = idlePcpuIn(host, unit.vcpu.hardAffinity, pcpu + 1);
  if (idle !== undefined) host.tickle(idle);
  else if (unit.pri > currentPri(pcpu)) host.tickle(pcpu);
}

/**
 * csched_runq_steal over the peers (csched_load_balance): the first queued unit, on the first peer
 * with more than one runnable unit, whose priority is strictly above `pri` and which may run on
 * `pcpu`. Peers are visited from pcpu + 1 onwards, as cpumask_cycle does.
 */
export function stealUnit(
  host: PolicyHost,
  runqs: readonly CreditRunq[],
  pcpu: number,
  pri: number,
): CreditUnit | undefined {
  for (let offset = 1; offset < host.pcpuCount; offset++) {
    const runq = runqs[(pcpu + offset) % host.pcpuCount]!;
    const runnableCount = runq.length + (host.current(runq.pcpu) === undefined ? 0 : 1);
    if (runnableCount <= 1) continue;
    for (const unit of runq.units) {
      if (unit.pri <= pri) break;
      if (!unit.vcpu.hardAffinity.has(pcpu)) continue;
      runq.remove(unit);
      return unit;
    }
  }
  return undefined;
}

/**
 * Units left waiting on a busy pCPU's runqueue while a pCPU they may use idles: tickle it, so it
 * steals them at once rather than at the next wake-up (keeps the simulation work-conserving).
 */
export function tickleIdlersForQueue(host: PolicyHost, runq: CreditRunq): void {
  for (const unit of runq.units) {
    const idle = idlePcpuIn(host, unit.vcpu.hardAffinity, runq.pcpu + 1);
    if (idle === undefined) continue;
    if (idle === runq.pcpu) continue;
    host.tickle(idle);
  }
}
