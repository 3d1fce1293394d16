import type { Vcpu } from "../vcpu.js";

/** One vCPU's RTDS parameters as XEN_DOMCTL_SCHEDOP_{get,put}vcpuinfo carry them. */
export interface RtdsVcpuParams {
  periodUs: number;
  budgetUs: number;
  /** XEN_DOMCTL_SCHEDRT_extra: may run past its budget, behind every vCPU that has budget left. */
  extratime: boolean;
}

/** Where a unit waits: the EDF-ordered runqueue, the unordered depleted queue, or neither. */
export type RtdsQueue = "runq" | "depleted" | "none";

/** RTDS's per-vCPU record (struct rt_unit). Times in ns of the engine's clock. */
export interface RtdsUnit {
  readonly vcpu: Vcpu;
  periodNs: number;
  budgetNs: number;
  extratime: boolean;
  /** Budget left in the current period (cur_budget). */
  curBudgetNs: number;
  /** End of the current period (cur_deadline); 0 before the first wake. */
  curDeadlineNs: number;
  /** 0 while in budget; +1 each time extratime refills it within one period. */
  priorityLevel: number;
  /** Up to when its running time has been burnt (last_start). */
  lastStartNs: number;
  /** Ran out of budget without extratime; waits for the replenishment (RTDS_depleted). */
  depleted: boolean;
  queue: RtdsQueue;
  /** Its replenishment at curDeadlineNs is armed (on the replenishment queue). */
  inReplq: boolean;
}

/**
 * compare_unit_priority: > 0 when `a` goes before `b` — a lower priority level first, then the
 * earlier deadline (EDF); 0 when equal.
 */
export function comparePriority(a: RtdsUnit, b: RtdsUnit): number {
  if (a.priorityLevel !== b.priorityLevel) return b.priorityLevel - a.priorityLevel;
  return b.curDeadlineNs - a.curDeadlineNs;
}

/**
 * rt_update_deadline: the first period end after `nowNs` on the unit's grid of periods, a full
 * budget and priority level 0. Time run before now in the old period is not burnt (as Xen).
 */
export function updateDeadline(unit: RtdsUnit, nowNs: number): void {
  if (unit.curDeadlineNs <= nowNs) {
    const periodCount = Math.floor((nowNs - unit.curDeadlineNs) / unit.periodNs) + 1;
    unit.curDeadlineNs += periodCount * unit.periodNs;
  }
  unit.lastStartNs = nowNs;
  unit.curBudgetNs = unit.budgetNs;
  unit.priorityLevel = 0;
}

/**
 * burn_budget: takes the time run since lastStartNs from the budget; at 0 an extratime unit drops
 * one priority level with a full budget, any other is depleted until its next period.
 */
export function burnBudget(unit: RtdsUnit, nowNs: number): void {
  const ranNs = nowNs - unit.lastStartNs;
  if (ranNs <= 0) return;
  unit.curBudgetNs -= ranNs;
  unit.lastStartNs = nowNs;
  if (unit.curBudgetNs > 0) return;
  if (unit.extratime) {
    unit.priorityLevel++;
    unit.curBudgetNs = unit.budgetNs;
  } else {
    unit.curBudgetNs = 0;
    unit.depleted = true;
  }
}
