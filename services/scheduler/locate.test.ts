import { describe, expect, it } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { clusterMigrate } from "./operations.js";
import { evacuate } from "./evacuate.js";

/** h1 and h2 each run a "web" (two uuids: made before names were unique), h1 also runs "solo". */
async function twoWebs(): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start([
    { hostId: "h1", memoryMib: 4096 },
    { hostId: "h2", memoryMib: 4096 },
    { hostId: "h3", memoryMib: 4096 },
  ]);
  rig.addGuest("h1", { name: "web", memoryMib: 64, uuid: "aaaaaaaa-0000-4000-8000-000000000001" });
  rig.addGuest("h2", { name: "web", memoryMib: 64, uuid: "bbbbbbbb-0000-4000-8000-000000000002" });
  rig.addGuest("h1", { name: "solo", memoryMib: 64 });
  for (const id of ["h1", "h2"]) await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost(id)));
  return rig;
}

const migrate = (rig: SchedulerRig, domain: string, destinationHostId = "") =>
  rig.run(
    clusterMigrate(
      rig.scheduler,
      { domain, destinationHostId, policy: "xen", live: true, bandwidth: "" },
      () => undefined,
    ),
  );

describe("guests known by uuid", () => {
  it("refuses to migrate an ambiguous name, naming each uuid and host; a uuid is exact", async () => {
    const rig = await twoWebs();
    await expect(migrate(rig, "web")).rejects.toThrow(
      /"web" names 2 domains \(uuid aaaaaaaa-\S+ on h1, uuid bbbbbbbb-\S+ on h2\): give the uuid/,
    );
    expect(rig.calls.migrateCalls).toEqual([]);
    const last = await migrate(rig, "bbbbbbbb-0000-4000-8000-000000000002", "h3");
    expect(last.stats?.status).toBe("completed");
    expect(rig.placements()).toEqual(["solo@h1", "web@h1", "web@h3"]);
    await rig.stop();
  });

  it("evacuates only the host's own guests, by uuid, and says empty only when it is", async () => {
    const rig = await twoWebs();
    const events: OperationEvent[] = [];
    const ok = await rig.run(evacuate(rig.scheduler, "h1", { parallel: 4 }, (e) => events.push(e)));
    expect(ok, events.at(-1)?.message).toBe(true);
    expect(rig.domainsOn("h1")).toEqual([]);
    expect(rig.uuidOf("h2", "web"), "h2's web untouched").toBe("bbbbbbbb-0000-4000-8000-000000000002");
    expect(rig.calls.migrateCalls.map((c) => `${c.domain}:${c.fromHostId}`).sort()).toEqual([
      "solo:h1",
      "web:h1",
    ]);
    await rig.stop();
  });
});
