import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { evacuate } from "./evacuate.js";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { isNothingChanged } from "../dom0/errors.js";
import { isCutShort } from "./steps-done.js";

/**
 * An evacuation stopped by an error after it took a step (its host disabled, guests migrated):
 * the refusal says what it did, typed (CutShortError.done) and in words, never only the failed
 * step's words. Before, each of these reached the user as that step's error alone: the store's
 * "cannot be reached (put: TIMEOUT); try again" with h1 left disabled, `no host "h1"` after two
 * guests had moved, and no last event at all after every guest had moved.
 */
const OP_KEY = "op.evacuate.h1";

async function rigWith(guestCount: number): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start([
    { hostId: "h1", memoryMib: 4096 },
    { hostId: "h2", memoryMib: 2048 },
    { hostId: "h3", memoryMib: 2048 },
  ]);
  for (let i = 1; i <= guestCount; i++) rig.addGuest("h1", { name: `g${i}`, memoryMib: 128 });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  return rig;
}

/** The scheduler's store refuses one write of `key` as an unreachable broker does. */
function failWrite(rig: SchedulerRig, operation: "put" | "delete", key: string): void {
  const store = rig.scheduler.options.store;
  const write = store[operation].bind(store) as (key: string, value?: string) => Promise<void>;
  const failing = (k: string, value?: string) =>
    k === key ? Promise.reject(new StoreUnavailableError(operation, new Error("TIMEOUT"))) : write(k, value);
  Object.assign(store, { [operation]: failing });
}

async function refusal(rig: SchedulerRig, events: OperationEvent[] = []): Promise<unknown> {
  return rig.run(evacuate(rig.scheduler, "h1", { parallel: 1 }, (e) => events.push(e))).then(
    () => expect.unreachable("the evacuation was not refused"),
    (error: unknown) => error,
  );
}

describe("an evacuation cut short", () => {
  it("whose record cannot be written says h1 is disabled and no guest moved", async () => {
    const rig = await rigWith(2);
    failWrite(rig, "put", OP_KEY);
    const error = await refusal(rig);
    expect(isCutShort(error) && error.done).toEqual([{ action: "disabled", subject: "h1" }]);
    expect(isNothingChanged(error)).toBe(false);
    expect((error as Error).message).toBe(
      "the evacuation of h1 stopped: its evacuation could not be recorded (the cluster's state store " +
        "cannot be reached (put: TIMEOUT)); before that it disabled h1; run host-evacuate h1 again to " +
        "finish, or host-enable h1 to end the maintenance",
    );
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(rig.calls.migrateCalls).toEqual([]);
    await rig.stop();
  });

  it("after guests moved (its host gone from the view) names each guest migrated and where", async () => {
    const rig = await rigWith(3);
    rig.calls.onMigrateStart = () => {
      // host-declare-dead h1 meanwhile: the scheduler forgets the host.
      if (rig.calls.migrateCalls.length === 2) rig.scheduler.view.hosts.delete("h1");
    };
    const error = await refusal(rig);
    expect(isCutShort(error)).toBe(true);
    const done = isCutShort(error) ? error.done : [];
    expect(done.map((step) => `${step.action} ${step.subject}`)).toEqual([
      "disabled h1",
      "migrated g1",
      "migrated g2",
    ]);
    expect((error as Error).message).toMatch(
      /^the evacuation of h1 stopped: no host "h1" \(known: h2, h3\); before that it disabled h1; migrated g1 to h\d, g2 to h\d; run host-evacuate h1 again/,
    );
    await rig.stop();
  });

  it("whose record cannot be removed at the end still says the host is empty, and that the record stays", async () => {
    const rig = await rigWith(2);
    failWrite(rig, "delete", OP_KEY);
    const events: OperationEvent[] = [];
    const ok = await rig.run(evacuate(rig.scheduler, "h1", { parallel: 1 }, (e) => events.push(e)));
    expect(ok).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: "done", ok: true, final: true });
    expect(events.at(-1)?.message).toBe(
      "h1 is empty and disabled; its record in the state store stays (the cluster's state store cannot " +
        "be reached (delete: TIMEOUT)): a scheduler that restarts resumes it",
    );
    expect(rig.domainsOn("h1")).toEqual([]);
    await rig.stop();
  });

  it("by the loss of the leader lease names what this scheduler did before (before: the loss alone)", async () => {
    const rig = await rigWith(3);
    rig.calls.onMigrateStart = () => {
      // Another scheduler took the lease meanwhile: g2's migration runs on, g3 is left to it.
      if (rig.calls.migrateCalls.length === 2) rig.scheduler.isActive = () => false;
    };
    const events: OperationEvent[] = [];
    const ok = await rig.run(evacuate(rig.scheduler, "h1", { parallel: 1 }, (e) => events.push(e)));
    expect(ok).toBe(false);
    expect(events.at(-1)).toMatchObject({ kind: "failed", ok: false, final: true });
    expect(events.at(-1)?.message).toMatch(
      /^disabled h1; migrated g1 to h\d, g2 to h\d; then this scheduler lost the leader lease: the active scheduler finishes it$/,
    );
    await rig.stop();
  });
});
