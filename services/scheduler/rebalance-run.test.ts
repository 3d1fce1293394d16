import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { NothingChangedError } from "../dom0/errors.js";
import { runRebalancePlan } from "./rebalance-run.js";

/**
 * `xsim rebalance` whose second move is refused (nothing changed, for that guest) after the first
 * moved. Before (transport/grpc/scheduler-server.ts runPlan), its last words were "1 of 2 moves
 * done" after the refusal's "g2: ...; nothing was changed, try again": which guest moved, and that
 * g2 stays where it was, the user had to piece together.
 */
async function rig(): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start([
    { hostId: "h1", memoryMib: 2048 },
    { hostId: "h2", memoryMib: 2048 },
    { hostId: "h3", memoryMib: 2048 },
  ]);
  for (const name of ["g1", "g2"]) rig.addGuest("h1", { name, memoryMib: 128 });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  return rig;
}

const PLAN = [
  { domain: "g1", fromHostId: "h1", toHostId: "h2", reason: "h1 over 90 %" },
  { domain: "g2", fromHostId: "h1", toHostId: "h3", reason: "h1 over 90 %" },
];

describe("a rebalance with a move refused", () => {
  it("says last which guests it migrated and where, and which stay and why, never 'nothing was changed'", async () => {
    const r = await rig();
    r.calls.onMigrateStart = () => {
      if (r.calls.migrateCalls.at(-1)?.domain === "g2")
        throw new NothingChangedError(
          "UNAVAILABLE",
          "g2: the source is busy; nothing was changed, try again",
        );
    };
    const events: OperationEvent[] = [];
    expect(await r.run(runRebalancePlan(r.scheduler, PLAN, (e) => events.push(e)))).toBe(false);
    expect(r.placements().sort()).toEqual(["g1@h2", "g2@h1"]);
    expect(events.at(-2)).toMatchObject({ kind: "migrate", domain: "g2", ok: false });
    expect(events.at(-1)).toMatchObject({ kind: "failed", ok: false, final: true });
    expect(events.at(-1)?.message).toBe(
      "1 of 2 moves done: migrated g1 to h2; could not move g2 (the source is busy): it stays on h1",
    );
    await r.stop();
  });

  it("says only the count when every move was done", async () => {
    const r = await rig();
    const events: OperationEvent[] = [];
    expect(await r.run(runRebalancePlan(r.scheduler, PLAN, (e) => events.push(e)))).toBe(true);
    expect(events.at(-1)).toMatchObject({
      kind: "done",
      ok: true,
      final: true,
      message: "2 of 2 moves done",
    });
    await r.stop();
  });
});
