import { ToolstackError } from "../errors.js";

/**
 * Faults for one outgoing migration (docs/specs/fault-injection.md). They act in wrappers around
 * the migration's link and peer (faulty-wrappers.ts), never in the engine.
 */
export interface MigrationFaultPlan {
  domain: string;
  corruptPage: boolean;
  stallAfterPauseMs: number;
  stallBeforeHandoverMs: number;
}

/** The longest stall a fault may ask for: a test needs seconds, not the 2^32 ms a uint32 allows. */
export const FAULT_STALL_MS_MAX = 60_000;
/** Armed, not yet taken, faults a host keeps at most (one per domain). */
export const ARMED_FAULT_COUNT_MAX = 64;

function checkStallMs(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > FAULT_STALL_MS_MAX)
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `${field} ${value} ms is out of range: use 0 to ${FAULT_STALL_MS_MAX} ms`,
    );
  return value;
}

/** A plan from a user: the domain named, stalls bounded, at least one fault asked for. */
export function checkMigrationFaultPlan(plan: MigrationFaultPlan): MigrationFaultPlan {
  if (plan.domain.trim() === "")
    throw new ToolstackError("INVALID_ARGUMENT", "a migration fault needs the domain it applies to");
  const checked = {
    domain: plan.domain,
    corruptPage: plan.corruptPage,
    stallAfterPauseMs: checkStallMs("stall_after_pause_ms", plan.stallAfterPauseMs),
    stallBeforeHandoverMs: checkStallMs("stall_before_handover_ms", plan.stallBeforeHandoverMs),
  };
  if (!checked.corruptPage && checked.stallAfterPauseMs === 0 && checked.stallBeforeHandoverMs === 0)
    throw new ToolstackError("INVALID_ARGUMENT", "the migration fault asks for no fault");
  return checked;
}
