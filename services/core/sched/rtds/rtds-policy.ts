import { assert } from "../../errors.js";
import type {
  PolicyHost,
  SchedDecision,
  SchedDomainParams,
  SchedPolicy,
  SchedPoolParams,
  WakeReason,
} from "../policy.js";
import type { Vcpu } from "../vcpu.js";
import {
  RTDS_BUDGET_US_DEFAULT,
  RTDS_EXTRATIME_DEFAULT,
  RTDS_PERIOD_US_DEFAULT,
  RTDS_PERIOD_US_MIN,
} from "./constants.js";
import { rtdsDomainParamsProblem, rtdsPoolParamsProblem } from "./params.js";
import { type RtdsUnit, type RtdsVcpuParams, burnBudget, comparePriority, updateDeadline } from "./unit.js";

const NS_PER_US = 1000;
const US_PER_MS = 1000;
/** What one vCPU may cause in one period at most: a replenishment, a slice end, a stop, a wake. */
const EVENT_COUNT_PER_PERIOD_MAX = 4;

/** The parameters a vCPU has until told otherwise (rt_alloc_udata). */
export const RTDS_VCPU_PARAMS_DEFAULT: RtdsVcpuParams = {
  periodUs: RTDS_PERIOD_US_DEFAULT,
  budgetUs: RTDS_BUDGET_US_DEFAULT,
  extratime: RTDS_EXTRATIME_DEFAULT,
};

/**
 * Xen's RTDS scheduler (xen/common/sched/rt.c): global preemptive EDF over the pool's pCPUs. Each
 * vCPU gets `budget` of CPU in every `period`; its deadline is the end of the period. One runqueue
 * ordered by (priority level, deadline) holds the vCPUs with budget; vCPUs that ran out without
 * extratime wait on the depleted queue for the replenishment at their deadline. A vCPU with
 * extratime refills at a lower priority level instead, so spare CPU time goes to it after every
 * vCPU still in budget. No ratelimit, no weights: the slice is the budget left.
 */
export class RtdsPolicy implements SchedPolicy {
  readonly name = "rtds" as const;
  /** The shortest period Xen allows (10 µs) makes events far more often than credit's 100 µs. */
  readonly eventCountPerEntityMsMax = (EVENT_COUNT_PER_PERIOD_MAX * US_PER_MS) / RTDS_PERIOD_US_MIN;
  private host: PolicyHost | undefined;
  private readonly units = new Map<Vcpu, RtdsUnit>();
  private readonly domainParams = new Map<number, readonly RtdsVcpuParams[]>();
  /** EDF order: comparePriority descending; equal ones in arrival order. */
  private readonly runq: RtdsUnit[] = [];
  private readonly depletedq: RtdsUnit[] = [];

  attach(host: PolicyHost): void {
    assert(this.host === undefined, "policy attached twice");
    this.host = host;
  }

  domainParamsProblem(params: SchedDomainParams, vcpuCountMax: number): string | undefined {
    return rtdsDomainParamsProblem(params, vcpuCountMax);
  }

  addDomain(domid: number, params: SchedDomainParams): void {
    assert(!this.domainParams.has(domid), `domain ${domid} known`);
    this.domainParams.set(domid, [...(params.rtds ?? [])]);
  }

  /** XEN_DOMCTL_SCHEDOP_putvcpuinfo for every vCPU: new period and budget apply from now on. */
  setDomainParams(domid: number, params: SchedDomainParams, _nowNs: number): void {
    assert(this.domainParams.has(domid), `domain ${domid} unknown to rtds`);
    this.domainParams.set(domid, [...(params.rtds ?? [])]);
    for (const unit of this.units.values()) {
      if (unit.vcpu.domid === domid) this.applyParams(unit, this.vcpuParams(unit.vcpu));
    }
  }

  removeDomain(domid: number): void {
    for (const vcpu of this.units.keys()) assert(vcpu.domid !== domid, "domain still has vCPUs");
    this.domainParams.delete(domid);
  }

  addVcpu(vcpu: Vcpu): void {
    const params = this.vcpuParams(vcpu);
    this.units.set(vcpu, {
      vcpu,
      periodNs: params.periodUs * NS_PER_US,
      budgetNs: params.budgetUs * NS_PER_US,
      extratime: params.extratime,
      curBudgetNs: 0,
      curDeadlineNs: 0,
      priorityLevel: 0,
      lastStartNs: 0,
      depleted: false,
      queue: "none",
      inReplq: false,
    });
  }

  removeVcpu(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    assert(unit.queue === "none", "removing a queued vCPU");
    this.units.delete(vcpu);
  }

  /** rt_unit_wake: a new period if the deadline passed while it slept; queue it; runq_tickle. */
  wake(vcpu: Vcpu, nowNs: number, _reason: WakeReason): void {
    const unit = this.unit(vcpu);
    if (nowNs >= unit.curDeadlineNs) updateDeadline(unit, nowNs);
    unit.inReplq = true;
    this.enqueue(unit);
    this.tickle(unit);
  }

  /** rt_unit_sleep: off its queue, and its replenishment is cancelled. */
  sleep(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    this.dequeue(unit);
    unit.inReplq = false;
  }

  /** rt_schedule: burn the current's budget; run the first unit in EDF order allowed here. */
  schedule(pcpu: number, nowNs: number): SchedDecision {
    const currentVcpu = this.attached().current(pcpu);
    const current = currentVcpu === undefined ? undefined : this.unit(currentVcpu);
    if (current !== undefined) {
      burnBudget(current, nowNs);
      if (!current.vcpu.inPolicy) current.inReplq = false; // rt_context_saved: replq_remove
    }
    const runnable = current !== undefined && current.vcpu.inPolicy ? current : undefined;
    let next = this.runq.find((unit) => unit.vcpu.hardAffinity.has(pcpu));
    const keep =
      runnable !== undefined &&
      runnable.curBudgetNs > 0 &&
      (next === undefined || comparePriority(runnable, next) > 0);
    if (keep) next = runnable;
    if (next !== runnable) {
      if (next !== undefined) this.dequeue(next);
      if (runnable !== undefined) {
        this.enqueue(runnable); // rt_context_saved: runq_insert, runq_tickle
        this.tickle(runnable);
      }
    }
    if (next === undefined) return { next: undefined, sliceNs: Infinity };
    next.lastStartNs = nowNs;
    return { next: next.vcpu, sliceNs: next.curBudgetNs };
  }

  /** The earliest armed replenishment (the repl_timer). */
  nextTimerNs(): number {
    let nextNs = Infinity;
    for (const unit of this.units.values()) if (unit.inReplq) nextNs = Math.min(nextNs, unit.curDeadlineNs);
    return nextNs;
  }

  /** repl_timer_handler: every unit whose deadline came gets a new period and a full budget. */
  runTimers(nowNs: number): void {
    const due = [...this.units.values()].filter((unit) => unit.inReplq && unit.curDeadlineNs <= nowNs);
    const wasDepleted = due.map((unit) => unit.depleted);
    for (const unit of due) {
      updateDeadline(unit, nowNs);
      unit.depleted = false;
      if (unit.queue !== "none") {
        this.dequeue(unit);
        this.enqueue(unit);
      }
    }
    due.forEach((unit, index) => {
      const head = this.runq[0];
      if (this.isRunning(unit)) {
        if (head !== undefined && comparePriority(unit, head) < 0) this.tickle(head);
      } else if (wasDepleted[index] && unit.queue !== "none") {
        this.tickle(unit);
      }
    });
  }

  poolParams(): SchedPoolParams {
    return {};
  }

  poolParamsProblem(params: Partial<SchedPoolParams>): string | undefined {
    return rtdsPoolParamsProblem(params);
  }

  setPoolParams(params: Partial<SchedPoolParams>): void {
    assert(this.poolParamsProblem(params) === undefined, "unchecked pool parameters");
  }

  queuedCount(): number {
    return this.runq.length + this.depletedq.length;
  }

  /** The unit's budget state, for tests and statistics. */
  unitState(vcpu: Vcpu): Readonly<RtdsUnit> {
    return this.unit(vcpu);
  }

  /** The vCPU's parameters: its domain's entry for it, else the defaults. */
  vcpuParams(vcpu: Vcpu): RtdsVcpuParams {
    return this.domainParams.get(vcpu.domid)?.[vcpu.vcpuId] ?? RTDS_VCPU_PARAMS_DEFAULT;
  }

  /** putvcpuinfo: period and budget as given; turning extratime on refills a depleted unit (rt.c). */
  private applyParams(unit: RtdsUnit, params: RtdsVcpuParams): void {
    unit.periodNs = params.periodUs * NS_PER_US;
    unit.budgetNs = params.budgetUs * NS_PER_US;
    if (params.extratime && !unit.extratime && unit.curBudgetNs <= 0) {
      unit.priorityLevel++;
      unit.curBudgetNs = unit.budgetNs;
      unit.depleted = false;
      unit.extratime = true;
      if (unit.queue !== "none") {
        this.dequeue(unit);
        this.enqueue(unit);
        this.tickle(unit); // xensim: Xen waits for the next schedule; an idle pCPU would not come
      }
    }
    unit.extratime = params.extratime;
  }

  /** runq_insert: by EDF onto the runqueue while it has budget or extratime, else depleted. */
  private enqueue(unit: RtdsUnit): void {
    assert(unit.queue === "none", "a unit queued twice");
    if (unit.curBudgetNs > 0 || unit.extratime) {
      const at = this.runq.findIndex((queued) => comparePriority(unit, queued) > 0);
      this.runq.splice(at < 0 ? this.runq.length : at, 0, unit);
      unit.queue = "runq";
    } else {
      this.depletedq.push(unit);
      unit.queue = "depleted";
    }
  }

  private dequeue(unit: RtdsUnit): void {
    if (unit.queue === "none") return;
    const queue = unit.queue === "runq" ? this.runq : this.depletedq;
    queue.splice(queue.indexOf(unit), 1);
    unit.queue = "none";
  }

  /**
   * runq_tickle: an idle pCPU the unit may use (its own first), else the pCPU running the lowest
   * priority unit if that is below this one; pCPUs already tickled are left alone.
   */
  private tickle(unit: RtdsUnit): void {
    const host = this.attached();
    const mask = unit.vcpu.hardAffinity;
    let lowest: RtdsUnit | undefined;
    for (let offset = 0; offset < host.pcpuCount; offset++) {
      const pcpu = (unit.vcpu.pcpu + offset) % host.pcpuCount;
      if (!mask.has(pcpu) || host.isTickled(pcpu)) continue;
      const current = host.current(pcpu);
      if (current === undefined) return host.tickle(pcpu);
      const running = this.unit(current);
      if (lowest === undefined || comparePriority(running, lowest) < 0) lowest = running;
    }
    if (lowest !== undefined && comparePriority(lowest, unit) < 0) host.tickle(lowest.vcpu.pcpu);
  }

  private isRunning(unit: RtdsUnit): boolean {
    return this.attached().current(unit.vcpu.pcpu) === unit.vcpu;
  }

  private attached(): PolicyHost {
    assert(this.host !== undefined, "policy not attached");
    return this.host;
  }

  private unit(vcpu: Vcpu): RtdsUnit {
    const unit = this.units.get(vcpu);
    if (unit === undefined)
      throw new Error(`assertion failed: vCPU ${vcpu.domid}.${vcpu.vcpuId} unknown to rtds`);
    return unit;
  }
}
