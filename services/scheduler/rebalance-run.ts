import type { Scheduler } from "./scheduler.js";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { clusterMigrate } from "./operations.js";
import { event } from "./evacuate.js";
import type { PlannedMove } from "./rebalance.js";
import { stepReason, stepsDoneWords, type StepDone } from "./steps-done.js";

/**
 * `xsim rebalance` without --dry-run: the plan's moves, one at a time, each a live migration to the
 * planned host. A move that fails is that guest's: the others go on. The last event says how many
 * moves were done and, when not all, which (steps-done.ts) and why each other guest stays where it
 * was: a refusal's "nothing was changed" is true of that move, never of a rebalance that moved
 * others before it.
 */
export async function runRebalancePlan(
  scheduler: Scheduler,
  plan: readonly PlannedMove[],
  emit: (event: OperationEvent) => void,
): Promise<boolean> {
  const done: StepDone[] = [];
  const failures: string[] = [];
  for (const move of plan) {
    const failed = await runMove(scheduler, move, emit);
    if (failed === undefined) done.push({ action: "migrated", subject: move.domain, to: move.toHostId });
    else
      failures.push(`could not move ${move.domain} (${stepReason(failed)}): it stays on ${move.fromHostId}`);
  }
  const ok = failures.length === 0;
  const count = `${done.length} of ${plan.length} moves done`;
  const what = [stepsDoneWords(done) || "no guest migrated", ...failures].join("; ");
  emit(event(ok ? "done" : "failed", "", "", "", ok ? count : `${count}: ${what}`, ok, true));
  return ok;
}

/** One move, its outcome emitted; why it failed, or undefined when the guest moved. */
async function runMove(
  scheduler: Scheduler,
  move: PlannedMove,
  emit: (event: OperationEvent) => void,
): Promise<string | undefined> {
  const migrateEvent = (message: string, ok: boolean) =>
    emit(event("migrate", move.domain, move.fromHostId, move.toHostId, message, ok));
  try {
    const last = await clusterMigrate(
      scheduler,
      { domain: move.domain, destinationHostId: move.toHostId, policy: "xen", live: true, bandwidth: "" },
      () => undefined,
    );
    const ok = last.stats?.status === "completed";
    migrateEvent(`${last.stats?.status}, downtime ${last.stats?.downtimeMs.toFixed(1)} ms`, ok);
    return ok ? undefined : (last.stats?.error ?? last.stats?.status ?? "failed");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    migrateEvent(message, false);
    return message.startsWith(`${move.domain}: `) ? message.slice(move.domain.length + 2) : message;
  }
}
