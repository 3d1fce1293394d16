import { describe, expect, it } from "vitest";
import type { ShutdownProgress } from "../contracts/host-shutdown.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { evacuateForShutdown } from "./host-shutdown.js";

/**
 * A host shutting down asks the scheduler to evacuate it; the scheduler enables the host again
 * itself. Its last word says why the evacuation stopped early, without the CLI's advice to run
 * host-enable (this path does that), and says so when enabling failed. Before, a cut-short
 * evacuation's last word told the host to run host-enable, and an enable that failed was dropped.
 */
const OP_KEY = "op.evacuate.h1";

async function rigWithGuests(): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start([
    { hostId: "h1", memoryMib: 4096 },
    { hostId: "h2", memoryMib: 2048 },
  ]);
  rig.addGuest("h1", { name: "g1", memoryMib: 128 });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  return rig;
}

/** The scheduler's store refuses every put of `key` as an unreachable broker does. */
function failPut(rig: SchedulerRig, key: string): void {
  const store = rig.scheduler.options.store;
  const put = store.put.bind(store);
  Object.assign(store, {
    put: (k: string, value: string) =>
      k === key ? Promise.reject(new StoreUnavailableError("put", new Error("TIMEOUT"))) : put(k, value),
  });
}

async function lastWord(rig: SchedulerRig): Promise<ShutdownProgress | undefined> {
  const said: ShutdownProgress[] = [];
  const request = {
    hostId: "h1",
    requestId: "r1",
    guests: [{ name: "g1", uuid: "" }],
    migrateTimeMsMax: 60_000,
  };
  await rig.run(evacuateForShutdown(rig.scheduler, request, (p) => said.push(p)));
  return said.at(-1);
}

describe("the evacuation of a host shutting down", () => {
  it("cut short: says what it did and why it stopped, and enables the host again without asking the user to", async () => {
    const rig = await rigWithGuests();
    failPut(rig, OP_KEY);
    const done = await lastWord(rig);
    expect(done?.kind).toBe("done");
    expect(done?.message).toBe(
      "the evacuation of h1 stopped: its evacuation could not be recorded (the cluster's state store " +
        "cannot be reached (put: TIMEOUT)); before that it disabled h1",
    );
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(false);
    await rig.stop();
  });

  it("an enable that fails is in the last word, with what to run", async () => {
    const rig = await rigWithGuests();
    const setHostEnabled = rig.scheduler.setHostEnabled.bind(rig.scheduler);
    rig.scheduler.setHostEnabled = (hostId: string, enabled: boolean) =>
      enabled
        ? Promise.reject(new Error("the state store cannot be reached"))
        : setHostEnabled(hostId, enabled);
    const done = await lastWord(rig);
    expect(done?.message).toBe(
      "could not enable h1 again (the state store cannot be reached): run host-enable h1 once it is back",
    );
    await rig.stop();
  });
});
