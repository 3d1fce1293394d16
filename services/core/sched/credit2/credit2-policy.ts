import { assert } from "../../errors.js";
import { NS_PER_US, RATELIMIT_US_DEFAULT } from "../credit/constants.js";
import type {
  PolicyHost,
  SchedDecision,
  SchedDomainParams,
  SchedPolicy,
  SchedPoolParams,
  WakeReason,
} from "../policy.js";
import type { Vcpu } from "../vcpu.js";
import { CapBudgets } from "./cap-budget.js";
import {
  CARRYOVER_MAX_NS,
  CREDIT_INIT_NS,
  CREDIT_RESET_NS,
  IDLE_CREDIT_NS,
  MIGRATE_COMPENSATION_NS,
  PCPU_COUNT_PER_RUNQUEUE_MAX,
} from "./constants.js";
import { credit2DomainParamsProblem, credit2PoolParamsProblem } from "./params.js";
import { candidate, runtimeNs, tickleFor } from "./pick.js";
import { type Credit2Runqueue, buildRunqueues } from "./runqueue.js";
import type { Credit2Domain, Credit2Unit } from "./unit.js";

/** The most credit a unit keeps over a reset (CSCHED2_CREDIT_INIT + carry-over). */
const CREDIT_MAX_NS = CREDIT_INIT_NS + CARRYOVER_MAX_NS;

/**
 * Xen's credit2 scheduler (xen/common/sched/credit2.c, the default since Xen 4.12): one runqueue per
 * group of up to 16 pCPUs, units ordered by credit; running burns credit scaled by max_weight /
 * weight; when the unit picked has no credit left every unit of the runqueue gets CREDIT_INIT more
 * (carrying over at most 500 µs); slices end when the runner's credit falls to the next one's.
 * Caps are per-domain budgets replenished every 10 ms.
 */
export class Credit2Policy implements SchedPolicy {
  readonly name = "credit2" as const;
  private host: PolicyHost | undefined;
  private runqueues: Credit2Runqueue[] = [];
  private runqueueByPcpu: Credit2Runqueue[] = [];
  private readonly domains = new Map<number, Credit2Domain>();
  private readonly units = new Map<Vcpu, Credit2Unit>();
  private readonly caps = new CapBudgets();
  private ratelimitUs = RATELIMIT_US_DEFAULT;
  /** What schedule() returns, reused: the engine reads it at once (one decision per slice). */
  private readonly decision: SchedDecision = { next: undefined, sliceNs: Infinity };
  private readonly creditOf = (pcpu: number, nowNs: number): number => this.currentCredit(pcpu, nowNs);

  attach(host: PolicyHost): void {
    assert(this.host === undefined, "policy attached twice");
    this.host = host;
    this.runqueues = buildRunqueues(host.pcpuCount, PCPU_COUNT_PER_RUNQUEUE_MAX);
    for (const runqueue of this.runqueues)
      for (const pcpu of runqueue.pcpus) this.runqueueByPcpu[pcpu] = runqueue;
  }

  domainParamsProblem(params: SchedDomainParams, vcpuCountMax: number): string | undefined {
    return credit2DomainParamsProblem(params, vcpuCountMax);
  }

  addDomain(domid: number, params: SchedDomainParams): void {
    if (this.domains.has(domid)) assert(false, `domain ${domid} known`); // the message only on failure
    const domain: Credit2Domain = { domid, ...params, budgetNs: 0, parked: false, units: [] };
    this.domains.set(domid, domain);
    this.caps.setCap(domain, params.cap);
  }

  setDomainParams(domid: number, params: SchedDomainParams, nowNs: number): void {
    const domain = this.domain(domid);
    for (const unit of domain.units) if (this.isRunning(unit)) this.burn(unit, nowNs);
    domain.weight = params.weight;
    for (const runqueue of this.runqueues) runqueue.updateMaxWeight();
    this.caps.setCap(domain, params.cap);
    if (domain.parked && params.cap === 0) this.caps.unparkDomain(domain, this.attached());
  }

  removeDomain(domid: number): void {
    const domain = this.domain(domid);
    assert(domain.units.length === 0, "domain still has vCPUs");
    this.caps.setCap(domain, 0);
    this.domains.delete(domid);
  }

  addVcpu(vcpu: Vcpu): void {
    const domain = this.domain(vcpu.domid);
    const runqueue = this.runqueueOf(vcpu.pcpu);
    const unit: Credit2Unit = {
      vcpu,
      domain,
      credit: CREDIT_INIT_NS,
      burntToNs: 0,
      runqueue,
      queued: false,
      parked: false,
      offCap: false,
      owner: this,
    };
    domain.units.push(unit);
    runqueue.assign(unit);
    runqueue.noteCredit(unit, CREDIT_MAX_NS);
    this.units.set(vcpu, unit);
    vcpu.policyUnit = unit;
  }

  removeVcpu(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    unit.runqueue.unassign(unit);
    unit.domain.units.splice(unit.domain.units.indexOf(unit), 1);
    this.units.delete(vcpu);
    vcpu.policyUnit = undefined;
  }

  /** csched2_unit_wake: onto the least loaded runqueue it may use, then runq_tickle. */
  wake(vcpu: Vcpu, nowNs: number, _reason: WakeReason): void {
    const unit = this.unit(vcpu);
    this.moveTo(unit, this.leastLoaded(unit));
    unit.runqueue.insert(unit);
    tickleFor(this.attached(), unit, nowNs, this.creditOf);
  }

  sleep(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    unit.runqueue.remove(unit);
  }

  /** csched2_schedule. */
  schedule(pcpu: number, nowNs: number): SchedDecision {
    const host = this.attached();
    const currentVcpu = host.current(pcpu);
    const runqueue = this.runqueueOf(pcpu);
    let current: Credit2Unit | undefined;
    if (currentVcpu) {
      this.burn(this.unit(currentVcpu), nowNs);
      if (currentVcpu.inPolicy) current = this.unit(currentVcpu);
    }
    const ratelimitNs = this.ratelimitUs * NS_PER_US;
    const keep = current !== undefined && nowNs - current.vcpu.runningSinceNs < ratelimitNs;
    let next = keep ? current : candidate(runqueue, current, pcpu);
    next ??= this.pullFromOtherRunqueue(pcpu);
    if (next !== current) {
      if (next) next.runqueue.remove(next);
      if (current) current.runqueue.insert(current);
    }
    if (!next) return this.decide(undefined, Infinity);
    const moved = next.vcpu.pcpu !== pcpu;
    if (next.runqueue !== runqueue) this.moveTo(next, runqueue);
    if (next.credit <= CREDIT_RESET_NS) this.resetCredit(runqueue, next, nowNs);
    if (next !== current) {
      next.burntToNs = nowNs;
      if (moved) {
        next.credit += MIGRATE_COMPENSATION_NS;
        next.runqueue.noteCredit(next, CREDIT_MAX_NS);
      }
    }
    let sliceNs = runtimeNs(next, ratelimitNs);
    if (next.domain.cap !== 0) {
      const runningCount = this.runningCount(next.domain) + (next === current ? 0 : 1);
      sliceNs = Math.min(sliceNs, this.caps.sliceNsMax(next.domain, runningCount));
    }
    return this.decide(next.vcpu, sliceNs);
  }

  private decide(next: Vcpu | undefined, sliceNs: number): SchedDecision {
    this.decision.next = next;
    this.decision.sliceNs = sliceNs;
    return this.decision;
  }

  nextTimerNs(): number {
    return this.caps.nextReplenishNs();
  }

  runTimers(nowNs: number): void {
    for (const unit of this.units.values())
      if (this.isRunning(unit) && unit.domain.cap !== 0) this.burn(unit, nowNs);
    this.caps.replenish(nowNs, this.attached());
  }

  poolParams(): SchedPoolParams {
    return { ratelimitUs: this.ratelimitUs };
  }

  poolParamsProblem(params: Partial<SchedPoolParams>): string | undefined {
    return credit2PoolParamsProblem(params);
  }

  setPoolParams(params: Partial<SchedPoolParams>): void {
    assert(this.poolParamsProblem(params) === undefined, "unchecked pool parameters");
    this.ratelimitUs = params.ratelimitUs ?? this.ratelimitUs;
  }

  queuedCount(): number {
    return this.runqueues.reduce((count, runqueue) => count + runqueue.queue.length, 0);
  }

  /** The unit's credit (ns) and runqueue, for tests and statistics. */
  unitState(vcpu: Vcpu): { credit: number; runqueue: number; parked: boolean } {
    const unit = this.unit(vcpu);
    return { credit: unit.credit, runqueue: unit.runqueue.index, parked: unit.parked };
  }

  /** burn_credits: t2c of the time run since the last burn; a capped domain also spends budget. */
  private burn(unit: Credit2Unit, nowNs: number): void {
    const ranNs = nowNs - unit.burntToNs;
    if (ranNs <= 0) return;
    unit.credit -= (ranNs * unit.runqueue.maxWeight) / unit.domain.weight;
    unit.runqueue.noteCredit(unit, CREDIT_MAX_NS);
    unit.burntToNs = nowNs;
    this.caps.spend(unit.domain, ranNs, this.attached());
  }

  /** reset_credit: every unit of the runqueue gets CREDIT_INIT (m times if `next` is far below 0). */
  private resetCredit(runqueue: Credit2Runqueue, next: Credit2Unit, nowNs: number): void {
    const times = next.credit < -CREDIT_INIT_NS ? 1 + Math.floor(-next.credit / CREDIT_INIT_NS) : 1;
    if (this.caps.anyCapped) {
      // A burn may park a capped domain, which tickles: keep the order of the burns.
      for (const unit of runqueue.units) {
        if (this.isRunning(unit)) this.burn(unit, nowNs);
        unit.credit = Math.min(unit.credit + times * CREDIT_INIT_NS, CREDIT_MAX_NS);
        unit.burntToNs = nowNs;
        runqueue.noteCredit(unit, CREDIT_MAX_NS);
      }
      return;
    }
    // Without caps a burn changes its own unit only, so the order of the units does not matter, and
    // a unit already at CREDIT_MAX_NS that does not run stays there: only the running units and those
    // on offCap change. (Its burntToNs is not read until it runs, which sets it.)
    const host = this.attached();
    for (let pcpu = 0; pcpu < host.pcpuCount; pcpu++) {
      const current = host.current(pcpu);
      if (current === undefined) continue;
      const unit = this.unit(current);
      if (unit.runqueue === runqueue) this.burn(unit, nowNs); // on offCap after, unless at the max
    }
    const offCap = runqueue.offCap;
    let index = 0;
    while (index < offCap.length) {
      const unit = offCap[index]!;
      unit.credit = Math.min(unit.credit + times * CREDIT_INIT_NS, CREDIT_MAX_NS);
      unit.burntToNs = nowNs;
      if (unit.credit !== CREDIT_MAX_NS) {
        index++;
        continue;
      }
      unit.offCap = false; // at the max: off the list (the last one takes its place)
      offCap[index] = offCap[offCap.length - 1]!;
      offCap.pop();
    }
  }

  /** An idle pCPU takes work from another runqueue (a simplified balance_load). */
  private pullFromOtherRunqueue(pcpu: number): Credit2Unit | undefined {
    if (this.runqueues.length === 1) return undefined; // up to 16 pCPUs: no other runqueue
    for (const runqueue of this.runqueues) {
      if (runqueue.hasPcpu(pcpu)) continue;
      const unit = runqueue.queue.find((u) => u.vcpu.hardAffinity.has(pcpu));
      if (unit) return unit;
    }
    return undefined;
  }

  private leastLoaded(unit: Credit2Unit): Credit2Runqueue {
    if (this.runqueues.length === 1) return unit.runqueue;
    let best = unit.runqueue.pcpus.some((p) => unit.vcpu.hardAffinity.has(p)) ? unit.runqueue : undefined;
    for (const runqueue of this.runqueues) {
      if (!runqueue.pcpus.some((p) => unit.vcpu.hardAffinity.has(p))) continue;
      if (best === undefined || this.load(runqueue) < this.load(best)) best = runqueue;
    }
    assert(best !== undefined, "no runqueue within the unit's affinity");
    return best;
  }

  private moveTo(unit: Credit2Unit, runqueue: Credit2Runqueue): void {
    if (unit.runqueue !== runqueue) {
      unit.runqueue.unassign(unit);
      unit.runqueue = runqueue;
      runqueue.assign(unit);
      runqueue.noteCredit(unit, CREDIT_MAX_NS);
    }
    if (!runqueue.hasPcpu(unit.vcpu.pcpu) && !this.isRunning(unit)) {
      unit.vcpu.pcpu = runqueue.pcpus.find((p) => unit.vcpu.hardAffinity.has(p))!;
    }
  }

  private load(runqueue: Credit2Runqueue): number {
    const running = runqueue.pcpus.filter((pcpu) => this.attached().current(pcpu) !== undefined).length;
    return runqueue.load(running);
  }

  private runningCount(domain: Credit2Domain): number {
    return domain.units.filter((unit) => this.isRunning(unit)).length;
  }

  private isRunning(unit: Credit2Unit): boolean {
    return this.attached().current(unit.vcpu.pcpu) === unit.vcpu;
  }

  /** The credit of what runs on the pCPU, burnt up to now (runq_tickle burns it to compare). */
  private currentCredit(pcpu: number, nowNs: number): number {
    const current = this.attached().current(pcpu);
    if (!current) return IDLE_CREDIT_NS;
    const unit = this.unit(current);
    this.burn(unit, nowNs);
    return unit.credit;
  }

  private attached(): PolicyHost {
    assert(this.host !== undefined, "policy not attached");
    return this.host;
  }

  private runqueueOf(pcpu: number): Credit2Runqueue {
    const runqueue = this.runqueueByPcpu[pcpu];
    if (runqueue === undefined) throw new Error(`assertion failed: no runqueue for pCPU ${pcpu}`);
    return runqueue;
  }

  private domain(domid: number): Credit2Domain {
    const domain = this.domains.get(domid);
    if (domain === undefined) throw new Error(`assertion failed: domain ${domid} unknown to credit2`);
    return domain;
  }

  private unit(vcpu: Vcpu): Credit2Unit {
    const unit = vcpu.policyUnit as Credit2Unit | undefined;
    if (unit === undefined || unit.owner !== this)
      throw new Error(`assertion failed: vCPU ${vcpu.domid}.${vcpu.vcpuId} unknown to credit2`);
    return unit;
  }
}
