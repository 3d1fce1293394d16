import { assert } from "../../errors.js";
import type { CreditDomain, CreditUnit } from "./unit.js";

/**
 * The active lists of credit1 (prv->active_sdom and each domain's active units): who consumed CPU
 * recently and so earns credit, and the weight total the accounting divides by (prv->weight).
 */
export class ActiveList {
  /** Active domains, head first: a domain joins at the head (list_add). */
  domains: CreditDomain[] = [];
  /** Sum of weight × active units over the active domains. */
  weightTotal = 0;

  /** __csched_unit_acct_start: the unit was seen running and starts earning credit. */
  start(unit: CreditUnit): void {
    assert(!unit.active, "unit already active");
    const domain = unit.domain;
    unit.active = true;
    domain.activeUnitCount++;
    if (!domain.onActiveList) {
      domain.onActiveList = true;
      this.domains.unshift(domain);
    }
    this.weightTotal += domain.weight;
  }

  /** __csched_unit_acct_stop_locked: the unit idles (or leaves) and stops earning. */
  stop(unit: CreditUnit): void {
    assert(unit.active, "unit not active");
    const domain = unit.domain;
    unit.active = false;
    domain.activeUnitCount--;
    this.weightTotal -= domain.weight;
    if (domain.activeUnitCount === 0) {
      domain.onActiveList = false;
      this.domains = this.domains.filter((d) => d !== domain);
    }
  }

  /** csched_dom_cntl: a weight change moves prv->weight by the domain's active share. */
  setWeight(domain: CreditDomain, weight: number): void {
    this.weightTotal += (weight - domain.weight) * domain.activeUnitCount;
    domain.weight = weight;
  }

  /** Lazily keep domains with extra credits at the head (csched_acct's credit_xtra). */
  moveToHead(domain: CreditDomain): void {
    this.domains = [domain, ...this.domains.filter((d) => d !== domain)];
  }
}
