import type { PolicyHost } from "../policy.js";
import { IDLE_CREDIT_NS, MAX_TIMER_NS, MIGRATE_RESIST_NS, MIN_TIMER_NS } from "./constants.js";
import type { Credit2Runqueue } from "./runqueue.js";
import type { Credit2Unit } from "./unit.js";

/**
 * runq_candidate: the current unit (when still runnable) unless the first waiting unit that may run
 * on `pcpu` has more credit; a unit last run on another pCPU must beat it by MIGRATE_RESIST.
 */
export function candidate(
  runqueue: Credit2Runqueue,
  current: Credit2Unit | undefined,
  pcpu: number,
): Credit2Unit | undefined {
  const snextCredit = current ? current.credit : IDLE_CREDIT_NS;
  for (const unit of runqueue.queue) {
    if (!unit.vcpu.hardAffinity.has(pcpu)) continue;
    if (unit.vcpu.pcpu !== pcpu && snextCredit + MIGRATE_RESIST_NS > unit.credit) continue;
    return unit.credit > snextCredit ? unit : current;
  }
  return current;
}

/** c2t: credit of `unit` turned into its own running time (the top weight burns 1 per ns). */
export function creditToTimeNs(credit: number, unit: Credit2Unit): number {
  return (credit * unit.domain.weight) / unit.runqueue.maxWeight;
}

/**
 * csched2_runtime: run until the unit's credit falls to that of the first one waiting (or to 0),
 * but at least MIN_TIMER (or the ratelimit) and at most MAX_TIMER.
 */
export function runtimeNs(unit: Credit2Unit, ratelimitNs: number): number {
  const minNs = Math.max(MIN_TIMER_NS, ratelimitNs);
  const waiting = unit.runqueue.queue[0];
  const rtCredit = waiting !== undefined && waiting.credit > 0 ? unit.credit - waiting.credit : unit.credit;
  if (rtCredit <= 0) return minNs;
  return Math.min(MAX_TIMER_NS, Math.max(minNs, Math.round(creditToTimeNs(rtCredit, unit))));
}

/**
 * runq_tickle: a unit was queued. An idle pCPU of its runqueue that it may use takes it (its own
 * pCPU first); otherwise the pCPU whose current unit has the least credit is preempted, if the new
 * unit has more (by MIGRATE_RESIST when it would move).
 */
export function tickleFor(
  host: PolicyHost,
  unit: Credit2Unit,
  nowNs: number,
  creditOf: (pcpu: number, nowNs: number) => number,
): void {
  const own = unit.vcpu.pcpu;
  const pcpus = unit.runqueue.pcpus;
  if (unit.runqueue.hasPcpu(own) && allowed(host, unit, own) && host.current(own) === undefined) {
    host.tickle(own);
    return;
  }
  for (const pcpu of pcpus) {
    if (allowed(host, unit, pcpu) && host.current(pcpu) === undefined) {
      host.tickle(pcpu);
      return;
    }
  }
  let best: number | undefined;
  let bestScore = 0;
  for (const pcpu of pcpus) {
    if (!allowed(host, unit, pcpu)) continue;
    const score = unit.credit - creditOf(pcpu, nowNs) - (pcpu === own ? 0 : MIGRATE_RESIST_NS);
    if (score > bestScore) {
      best = pcpu;
      bestScore = score;
    }
  }
  if (best !== undefined) host.tickle(best);
}

/** The unit may run on `pcpu` and nothing has tickled it yet. */
function allowed(host: PolicyHost, unit: Credit2Unit, pcpu: number): boolean {
  return unit.vcpu.hardAffinity.has(pcpu) && !host.isTickled(pcpu);
}
