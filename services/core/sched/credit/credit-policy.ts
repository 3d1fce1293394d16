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
import { accountCredit } from "./accounting.js";
import { ActiveList } from "./active-list.js";
import { stealUnit, tickleForUnit, tickleIdlersForQueue } from "./balance.js";
import {
  CREDITS_PER_MSEC,
  NS_PER_MS,
  NS_PER_US,
  PRI_BOOST,
  PRI_IDLE,
  PRI_OVER,
  PRI_UNDER,
  RATELIMIT_US_DEFAULT,
  TSLICE_MS_DEFAULT,
} from "./constants.js";
import { creditDomainParamsProblem, creditPoolParamsProblem, tickPeriodNs } from "./params.js";
import { CreditRunq } from "./runq.js";
import type { CreditDomain, CreditUnit } from "./unit.js";

/**
 * Xen's credit scheduler (credit1, xen/common/sched/credit.c): per-pCPU runqueues ordered by
 * priority BOOST > UNDER > OVER, credit burnt at 10 per ms while running, handed out every timeslice
 * in proportion to weight, a 30 ms timeslice, 10 ms ticks, ratelimit, caps that park overspenders,
 * BOOST for units waking with credit left, and idle pCPUs stealing from busy peers.
 */
export class CreditPolicy implements SchedPolicy {
  readonly name = "credit" as const;
  private host: PolicyHost | undefined;
  private runqs: CreditRunq[] = [];
  private sortPending: boolean[] = [];
  private readonly domains = new Map<number, CreditDomain>();
  private readonly units = new Map<Vcpu, CreditUnit>();
  private readonly active = new ActiveList();
  private tsliceMs = TSLICE_MS_DEFAULT;
  private ratelimitUs = RATELIMIT_US_DEFAULT;
  private creditBalance = 0;
  private lastTickNs = 0;
  private lastAcctNs = 0;

  attach(host: PolicyHost): void {
    assert(this.host === undefined, "policy attached twice");
    this.host = host;
    this.runqs = Array.from({ length: host.pcpuCount }, (_, pcpu) => new CreditRunq(pcpu));
    this.sortPending = this.runqs.map(() => false);
  }

  domainParamsProblem(params: SchedDomainParams): string | undefined {
    return creditDomainParamsProblem(params);
  }

  addDomain(domid: number, params: SchedDomainParams): void {
    if (this.domains.has(domid)) assert(false, `domain ${domid} known`); // the message only on failure
    this.domains.set(domid, { domid, ...params, units: [], activeUnitCount: 0, onActiveList: false });
  }

  setDomainParams(domid: number, params: SchedDomainParams): void {
    const domain = this.domain(domid);
    this.active.setWeight(domain, params.weight);
    domain.cap = params.cap;
  }

  removeDomain(domid: number): void {
    assert(this.domain(domid).units.length === 0, "domain still has vCPUs");
    this.domains.delete(domid);
  }

  addVcpu(vcpu: Vcpu): void {
    const domain = this.domain(vcpu.domid);
    const unit: CreditUnit = {
      vcpu,
      domain,
      credit: 0,
      pri: PRI_UNDER,
      active: false,
      parked: false,
      burntToNs: 0,
      runqPcpu: undefined,
      boostCount: 0,
      boostedWaitNsMax: 0,
    };
    domain.units.push(unit);
    this.units.set(vcpu, unit);
  }

  removeVcpu(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    assert(unit.runqPcpu === undefined, "removing a queued unit");
    if (unit.active) this.active.stop(unit);
    unit.domain.units.splice(unit.domain.units.indexOf(unit), 1);
    this.units.delete(vcpu);
  }

  /** csched_unit_wake: BOOST when it wakes with credit left, unless parked or being moved. */
  wake(vcpu: Vcpu, _nowNs: number, reason: WakeReason): void {
    const unit = this.unit(vcpu);
    if (reason === "wake" && unit.pri === PRI_UNDER && !unit.parked) unit.pri = PRI_BOOST;
    if (unit.pri === PRI_BOOST) unit.boostCount++;
    this.runq(vcpu.pcpu).insert(unit);
    tickleForUnit(this.attached(), unit, (pcpu) => this.currentPri(pcpu));
  }

  sleep(vcpu: Vcpu): void {
    const unit = this.unit(vcpu);
    this.runq(unit.runqPcpu ?? -1).remove(unit);
  }

  /** csched_schedule. */
  schedule(pcpu: number, nowNs: number): SchedDecision {
    const host = this.attached();
    const current = host.current(pcpu);
    const runq = this.runq(pcpu);
    if (current) {
      const unit = this.unit(current);
      this.burn(unit, nowNs);
      if (current.inPolicy) {
        const runtimeNs = nowNs - current.runningSinceNs;
        const ratelimitNs = this.ratelimitUs * NS_PER_US;
        if (runtimeNs < ratelimitNs) return { next: current, sliceNs: ratelimitNs - runtimeNs };
        runq.insert(unit);
      }
    }
    let next = runq.head();
    if (next !== undefined && next.pri > PRI_OVER) {
      runq.remove(next);
    } else {
      const stolen = stealUnit(host, this.runqs, pcpu, next?.pri ?? PRI_IDLE);
      if (stolen) next = stolen;
      else if (next) runq.remove(next);
    }
    if (next && next.vcpu !== current) {
      next.burntToNs = nowNs;
      if (next.pri === PRI_BOOST) {
        next.boostedWaitNsMax = Math.max(next.boostedWaitNsMax, nowNs - next.vcpu.runnableSinceNs);
      }
    }
    tickleIdlersForQueue(host, runq);
    return { next: next?.vcpu, sliceNs: next ? this.tsliceMs * NS_PER_MS : Infinity };
  }

  nextTimerNs(): number {
    return Math.min(this.lastTickNs + this.tickPeriodNs(), this.lastAcctNs + this.tsliceMs * NS_PER_MS);
  }

  /** csched_tick on every pCPU each tick period; csched_acct every timeslice. */
  runTimers(nowNs: number): void {
    if (nowNs >= this.lastTickNs + this.tickPeriodNs()) {
      this.lastTickNs = nowNs;
      for (const runq of this.runqs) this.tick(runq.pcpu, nowNs);
    }
    if (nowNs >= this.lastAcctNs + this.tsliceMs * NS_PER_MS) {
      this.lastAcctNs = nowNs;
      const input = {
        pcpuCount: this.runqs.length,
        creditsPerTslice: this.creditsPerTslice(),
        creditBalance: this.creditBalance,
      };
      this.creditBalance = accountCredit(this.active, input, this.attached());
      this.sortPending.fill(true);
    }
  }

  poolParams(): SchedPoolParams {
    return { tsliceMs: this.tsliceMs, ratelimitUs: this.ratelimitUs };
  }

  poolParamsProblem(params: Partial<SchedPoolParams>): string | undefined {
    return creditPoolParamsProblem({ ...this.poolParams(), ...params });
  }

  setPoolParams(params: Partial<SchedPoolParams>): void {
    assert(this.poolParamsProblem(params) === undefined, "unchecked pool parameters");
    this.tsliceMs = params.tsliceMs ?? this.tsliceMs;
    this.ratelimitUs = params.ratelimitUs ?? this.ratelimitUs;
  }

  queuedCount(): number {
    return this.runqs.reduce((count, runq) => count + runq.length, 0);
  }

  /** The unit's priority and credit, for tests and statistics. */
  unitState(
    vcpu: Vcpu,
  ): Readonly<Pick<CreditUnit, "pri" | "credit" | "active" | "parked" | "boostCount" | "boostedWaitNsMax">> {
    return this.unit(vcpu);
  }

  /** csched_tick: the running unit is accounted (and loses BOOST); the runqueue is re-sorted. */
  private tick(pcpu: number, nowNs: number): void {
    const current = this.attached().current(pcpu);
    if (current) {
      const unit = this.unit(current);
      if (unit.pri === PRI_BOOST) unit.pri = PRI_UNDER;
      this.burn(unit, nowNs);
      if (!unit.active) this.active.start(unit);
    }
    if (this.sortPending[pcpu]) {
      this.runq(pcpu).sort();
      this.sortPending[pcpu] = false;
    }
  }

  /** burn_credits: CSCHED_CREDITS_PER_MSEC per ms of running since it was last burnt. */
  private burn(unit: CreditUnit, nowNs: number): void {
    const ranNs = nowNs - unit.burntToNs;
    if (ranNs <= 0) return;
    unit.credit -= (ranNs * CREDITS_PER_MSEC) / NS_PER_MS;
    unit.burntToNs = nowNs;
  }

  private currentPri(pcpu: number): number {
    const current = this.attached().current(pcpu);
    return current ? this.unit(current).pri : PRI_IDLE;
  }

  private creditsPerTslice(): number {
    return CREDITS_PER_MSEC * this.tsliceMs;
  }

  private tickPeriodNs(): number {
    return tickPeriodNs(this.tsliceMs);
  }

  private attached(): PolicyHost {
    assert(this.host !== undefined, "policy not attached");
    return this.host;
  }

  private runq(pcpu: number): CreditRunq {
    const runq = this.runqs[pcpu];
    if (runq === undefined) throw new Error(`assertion failed: no runqueue for pCPU ${pcpu}`);
    return runq;
  }

  private domain(domid: number): CreditDomain {
    const domain = this.domains.get(domid);
    if (domain === undefined) throw new Error(`assertion failed: domain ${domid} unknown to credit`);
    return domain;
  }

  private unit(vcpu: Vcpu): CreditUnit {
    const unit = this.units.get(vcpu);
    if (unit === undefined)
      throw new Error(`assertion failed: vCPU ${vcpu.domid}.${vcpu.vcpuId} unknown to credit`);
    return unit;
  }
}
