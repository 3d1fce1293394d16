import type { PolicyHost } from "../policy.js";
import { CAP_PERIOD_NS, CAP_SLICE_NS_MIN } from "./constants.js";
import type { Credit2Domain } from "./unit.js";

/**
 * Credit2 caps (credit2.c, "budget"): a capped domain may run cap % of one pCPU per period
 * (CSCHED2_BDGT_REPL_PERIOD, 10 ms). Running spends the budget; at 0 the domain's units are parked
 * until the next replenishment, which adds one period's budget (an overrun stays as debt).
 */
export class CapBudgets {
  private readonly capped = new Set<Credit2Domain>();
  private lastReplenishNs = 0;
  /**
   * nextReplenishNs, kept up to date by every change of it (the engine asks at every event: one
   * field, not the set's size and a sum).
   */
  private nextReplenishAtNs = Infinity;

  setCap(domain: Credit2Domain, cap: number): void {
    const wasCapped = this.capped.has(domain);
    domain.cap = cap;
    if (cap === 0) {
      this.capped.delete(domain);
      this.updateNextReplenish();
      return;
    }
    this.capped.add(domain);
    this.updateNextReplenish();
    if (!wasCapped) domain.budgetNs = budgetPerPeriodNs(domain);
    domain.budgetNs = Math.min(domain.budgetNs, budgetPerPeriodNs(domain));
  }

  spend(domain: Credit2Domain, ranNs: number, host: PolicyHost): void {
    if (domain.cap === 0) return;
    domain.budgetNs -= ranNs;
    if (domain.budgetNs <= 0 && !domain.parked) this.parkDomain(domain, host);
  }

  /** The longest slice the domain's budget allows one of its `runningCount` running units. */
  sliceNsMax(domain: Credit2Domain, runningCount: number): number {
    if (domain.cap === 0) return Infinity;
    return Math.max(CAP_SLICE_NS_MIN, Math.round(domain.budgetNs / Math.max(1, runningCount)));
  }

  /** Some domain has a cap. */
  get anyCapped(): boolean {
    return this.capped.size > 0;
  }

  nextReplenishNs(): number {
    return this.nextReplenishAtNs;
  }

  private updateNextReplenish(): void {
    this.nextReplenishAtNs = this.capped.size === 0 ? Infinity : this.lastReplenishNs + CAP_PERIOD_NS;
  }

  /** replenish_domain_budget for every capped domain; unparks those back above 0. */
  replenish(nowNs: number, host: PolicyHost): void {
    if (nowNs < this.nextReplenishNs()) return;
    this.lastReplenishNs = nowNs;
    this.updateNextReplenish();
    for (const domain of this.capped) {
      const perPeriodNs = budgetPerPeriodNs(domain);
      domain.budgetNs = Math.min(domain.budgetNs + perPeriodNs, perPeriodNs);
      if (domain.parked && domain.budgetNs > 0) this.unparkDomain(domain, host);
    }
  }

  unparkDomain(domain: Credit2Domain, host: PolicyHost): void {
    domain.parked = false;
    for (const unit of domain.units) {
      if (!unit.parked) continue;
      unit.parked = false;
      host.unpark(unit.vcpu);
    }
  }

  private parkDomain(domain: Credit2Domain, host: PolicyHost): void {
    domain.parked = true;
    for (const unit of domain.units) {
      unit.parked = true;
      host.park(unit.vcpu);
    }
  }
}

/** tot_budget = cap % of one pCPU over one period. */
function budgetPerPeriodNs(domain: Credit2Domain): number {
  return Math.round((domain.cap * CAP_PERIOD_NS) / 100);
}
