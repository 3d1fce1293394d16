import { assert } from "../../errors.js";
import type { PolicyHost } from "../policy.js";
import type { ActiveList } from "./active-list.js";
import { PRI_OVER, PRI_UNDER } from "./constants.js";
import type { CreditDomain } from "./unit.js";

/** What one accounting period works with. */
export interface AccountingInput {
  readonly pcpuCount: number;
  readonly creditsPerTslice: number;
  /** Sum of the active units' credit after the last accounting (prv->credit_balance). */
  readonly creditBalance: number;
}

/** ceil(a / b), Xen's `(a + (b - 1)) / b` for the real-valued credits here. */
function divideUp(a: number, b: number): number {
  return Math.ceil(a / b);
}

/**
 * csched_acct (xen/common/sched/credit.c), run every timeslice: hands the pool's credit
 * (creditsPerTslice per pCPU) to the active domains in proportion to weight × active units,
 * bounded by a peak of one timeslice per unit and by the cap; sets UNDER/OVER, parks capped units
 * whose credit fell below -credit_cap and unparks them once it is back to >= 0; a unit holding more
 * than a timeslice of credit leaves the active list with half of it. Returns the new balance.
 */
export function accountCredit(active: ActiveList, input: AccountingInput, host: PolicyHost): number {
  const weightTotal = active.weightTotal;
  if (weightTotal === 0) return 0;
  let creditTotal = input.pcpuCount * input.creditsPerTslice;
  if (input.creditBalance < 0) creditTotal -= input.creditBalance;
  let weightLeft = weightTotal;
  let creditXtra = false;
  let creditBalance = 0;
  for (const domain of [...active.domains]) {
    const unitCount = domain.activeUnitCount;
    assert(unitCount > 0, "an active domain without active units");
    weightLeft -= domain.weight * unitCount;
    let creditPeak = unitCount * input.creditsPerTslice;
    if (input.creditBalance < 0) {
      creditPeak += divideUp(-input.creditBalance * domain.weight * unitCount, weightTotal);
    }
    let creditCap = 0;
    if (domain.cap !== 0) {
      creditCap = divideUp(domain.cap * input.creditsPerTslice, 100);
      if (creditCap < creditPeak) creditPeak = creditCap;
      creditCap = divideUp(creditCap, unitCount);
    }
    let creditFair = divideUp(creditTotal * domain.weight * unitCount, weightTotal);
    if (creditFair < creditPeak) {
      creditXtra = true;
    } else {
      // Give other domains a chance at the credit this one cannot use.
      if (weightLeft !== 0) creditTotal += divideUp((creditFair - creditPeak) * weightTotal, weightLeft);
      if (creditXtra) active.moveToHead(domain);
      creditFair = creditPeak;
    }
    creditBalance += creditUnits(active, domain, divideUp(creditFair, unitCount), creditCap, input, host);
  }
  return creditBalance;
}

/** The per-unit half of csched_acct; returns the sum of the units' new credit. */
function creditUnits(
  active: ActiveList,
  domain: CreditDomain,
  creditFair: number,
  creditCap: number,
  input: AccountingInput,
  host: PolicyHost,
): number {
  let balance = 0;
  for (const unit of domain.units.filter((u) => u.active)) {
    unit.credit += creditFair;
    if (unit.credit < 0) {
      unit.pri = PRI_OVER;
      if (domain.cap !== 0 && unit.credit < -creditCap && !unit.parked) {
        unit.parked = true;
        host.park(unit.vcpu);
      }
      if (unit.credit < -input.creditsPerTslice) unit.credit = -input.creditsPerTslice;
    } else {
      unit.pri = PRI_UNDER;
      if (unit.parked) {
        host.unpark(unit.vcpu); // before clearing the flag, so the wake-up is not boosted
        unit.parked = false;
      }
      if (unit.credit > input.creditsPerTslice) {
        active.stop(unit);
        unit.credit /= 2;
      }
    }
    balance += unit.credit;
  }
  return balance;
}
