/** Every `xsim migrate` / `host-evacuate` flag reaches the source host's MigrateRequest through the scheduler. */
import { describe, expect, it } from "vitest";
import type { MigrateRequest } from "../gen/xensim/v1/migration.js";
import { evacuate } from "./evacuate.js";
import { clusterMigrate } from "./operations.js";
import { SchedulerRig } from "../sim/scheduler-rig.js";

async function rigWithGuests(names: string[]): Promise<{ rig: SchedulerRig; requests: MigrateRequest[] }> {
  const rig = await SchedulerRig.start([
    { hostId: "h1", memoryMib: 2048 },
    { hostId: "h2", memoryMib: 2048 },
  ]);
  for (const name of names) rig.addGuest("h1", { name, memoryMib: 128 });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  const requests: MigrateRequest[] = [];
  rig.calls.onMigrateStart = (request) => requests.push(request);
  return { rig, requests };
}

describe("flags through the scheduler", () => {
  it("migrate passes policy, downtime limit, auto-converge, -p and bandwidth to the source", async () => {
    const { rig, requests } = await rigWithGuests(["web"]);
    const options = {
      domain: "web",
      destinationHostId: "h2",
      policy: "qemu",
      live: true,
      bandwidth: "100Mbit/s",
      downtimeLimitMs: 100,
      autoConverge: true,
      pausedAtDestination: true,
    };
    const last = await rig.run(clusterMigrate(rig.scheduler, options, () => undefined));
    expect(last.stats?.status).toBe("completed");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      domain: rig.uuidOf("h2", "web"), // the scheduler names the guest it checked by uuid
      policy: "qemu",
      live: true,
      bandwidth: "100Mbit/s",
      downtimeLimitMs: 100,
      autoConverge: true,
      pausedAtDestination: true,
    });
    await rig.stop();
  });

  it("host-evacuate migrates each domain with its --policy and --bandwidth", async () => {
    const { rig, requests } = await rigWithGuests(["a", "b"]);
    const done = rig.run(
      evacuate(rig.scheduler, "h1", { parallel: 2, bandwidth: "10MB/s", policy: "qemu" }, () => undefined),
    );
    expect(await done).toBe(true);
    expect(requests.map((r) => [r.domain, r.policy, r.bandwidth]).sort()).toEqual(
      [
        [rig.uuidOf("h2", "a"), "qemu", "10MB/s"],
        [rig.uuidOf("h2", "b"), "qemu", "10MB/s"],
      ].sort(),
    );
    await rig.stop();
  });

  it("host-evacuate refuses an unknown policy before disabling the host", async () => {
    const { rig, requests } = await rigWithGuests(["a"]);
    await expect(
      rig.run(evacuate(rig.scheduler, "h1", { parallel: 1, policy: "fastest" }, () => undefined)),
    ).rejects.toThrow(/unknown pre-copy policy "fastest"/);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(false);
    expect(requests).toEqual([]);
    await rig.stop();
  });
});
