import { describe, it, expect } from "vitest";
import { purgeRestartTokens, restartLostHost, restartRestartedHosts } from "./ha-restart.js";
import { restartTokenKey, parseRestartToken } from "./ha-restart-token.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { rigUuid, SchedulerRig, RIG_HEARTBEAT_MS } from "../sim/scheduler-rig.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { reconcile } from "./reconcile.js";

const THREE_HOSTS = [
  { hostId: "h1", memoryMib: 4096 },
  { hostId: "h2", memoryMib: 1024 },
  { hostId: "h3", memoryMib: 1024 },
];
const LOST = { hostId: "h1", epoch: "e1" };
const DB = rigUuid("db");
const WEB = rigUuid("web");
const ME = { ownerId: "scheduler-2", excludeHostIds: [] };

/** h1 runs the guests, the scheduler records them, then h1 dies (its lease `e1` is lost). */
async function lostWith(rig: SchedulerRig, guests: { name: string; memoryMib: number }[]): Promise<void> {
  for (const guest of guests) rig.addGuest("h1", { ...guest, ha: "restart" });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  rig.cluster.killHost("h1");
  await rig.idle(2000);
}

async function token(statefile: MemoryStatefile, uuid: string, epoch = "e1") {
  const entry = await statefile.read(restartTokenKey(uuid, epoch));
  return entry ? parseRestartToken(entry.value) : undefined;
}

describe("HA restart tokens", () => {
  it("counts a restarted guest's memory once: its claim ends with the host's created event", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 512 }]);
    await rig.run(restartLostHost(rig.scheduler, new MemoryStatefile(), LOST, ME));
    const target = rig.scheduler.view.findDomain("db")?.host.hostId ?? "";
    expect(target).toMatch(/^h[23]$/);
    // The host's own "created" event settles the claim; then its heartbeat reports the memory.
    await rig.idle(2 * RIG_HEARTBEAT_MS);
    const reported = rig.freeMemoryKib(target);
    expect(rig.scheduler.requireHost(target).heartbeat.freeMemoryKib).toBe(reported);
    await rig.stop();
  });

  it("takes over a token left claimed by a scheduler that died before the create: restarted once", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const statefile = new MemoryStatefile();
    const dead = { from: "h1", uuid: DB, owner: "scheduler-1", state: "claimed", attemptCount: 1 };
    await statefile.create(restartTokenKey(DB, "e1"), JSON.stringify(dead));
    const report = await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME));
    expect(report).toEqual([expect.stringMatching(/^db: restarted on h[23]$/)]);
    expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["db"]);
    expect(await token(statefile, DB)).toMatchObject({
      owner: "scheduler-2",
      state: "created",
      attemptCount: 2,
    });
    // Finished: a later round creates nothing.
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME))).toEqual([]);
    expect(rig.calls.createCalls).toHaveLength(1);
    await rig.stop();
  });

  it("does not start a guest whose name another host now holds (an earlier scheduler's create landed there)", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const names = new ClusterNames(rig.store);
    // h1 held the name; an earlier scheduler moved it to h3 and its create landed there. h3 is
    // read afresh before anything is decided (ha-restart.ts copiesElsewhere): it runs db.
    await names.release("db", { uuid: DB, hostId: "h1" });
    await names.reserve("db", { uuid: DB, hostId: "h3" });
    rig.addGuest("h3", { name: "db", memoryMib: 128 });
    const statefile = new MemoryStatefile();
    const report = await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME));
    expect(report).toEqual(["db: already runs on h3"]);
    expect(rig.calls.createCalls).toEqual([]);
    expect(await token(statefile, DB)).toBeUndefined();
    await rig.stop();
  });

  it("two schedulers taking over the same token at once start the guest once", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await lostWith(rig, [
      { name: "db", memoryMib: 128 },
      { name: "web", memoryMib: 128 },
    ]);
    const statefile = new MemoryStatefile();
    for (const uuid of [DB, WEB])
      await statefile.create(
        restartTokenKey(uuid, "e1"),
        JSON.stringify({ from: "h1", uuid, owner: "dead", state: "claimed", attemptCount: 1 }),
      );
    await rig.run(
      Promise.all([
        restartLostHost(rig.scheduler, statefile, LOST, { ownerId: "a", excludeHostIds: [] }),
        restartLostHost(rig.scheduler, statefile, LOST, { ownerId: "b", excludeHostIds: [] }),
      ]),
    );
    expect(rig.calls.createCalls.map((c) => c.name).sort()).toEqual(["db", "web"]);
    await rig.stop();
  });

  it("purges a token once its guest runs elsewhere or was destroyed, and keeps it before", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const statefile = new MemoryStatefile();
    const claimed = (uuid: string) => ({ from: "h1", uuid, owner: "x", state: "claimed", attemptCount: 1 });
    await statefile.create(restartTokenKey(DB, "e1"), JSON.stringify(claimed(DB)));
    expect(await rig.run(purgeRestartTokens(rig.scheduler, statefile)), "db runs nowhere yet").toBe(0);
    await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME));
    // A guest destroyed on purpose: its HA record is gone.
    await statefile.create(restartTokenKey("uuid-gone", "e1"), JSON.stringify(claimed("uuid-gone")));
    expect(await rig.run(purgeRestartTokens(rig.scheduler, statefile))).toBe(2);
    expect(await statefile.readAll("harestart.")).toEqual(new Map());
    await rig.stop();
  });
});

describe("a host that restarted before its lease was revoked", () => {
  it("has its old epoch's HA guests restarted elsewhere, except those it runs again, and the reconcile keeps their records", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    const firstEpoch = rig.cluster.host("h1").host.leaseEpoch;
    rig.scheduler.hostEpochs.set("h1", firstEpoch);
    rig.scheduler.haEnabled = true;
    for (const name of ["db", "kept"]) rig.addGuest("h1", { name, memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    expect((await rig.run(rig.scheduler.ha.get(DB)))?.hostEpoch, "the epoch h1 listed it under").toBe(
      firstEpoch,
    );
    // h1 restarts: a new lease epoch, only "kept" runs again there (restored at its start).
    rig.cluster.killHost("h1");
    rig.cluster.restartHost("h1");
    await rig.idle(1000); // it reads the cluster's HA setting before it takes a protected guest
    rig.addGuest("h1", { name: "kept", memoryMib: 128, ha: "restart" });
    expect(rig.cluster.host("h1").host.leaseEpoch).not.toBe(firstEpoch);
    rig.scheduler.hostEpochs.set("h1", rig.cluster.host("h1").host.leaseEpoch);
    await rig.idle(2 * RIG_HEARTBEAT_MS);
    await rig.run(reconcile(rig.scheduler));
    expect(await rig.run(rig.scheduler.ha.get(DB)), "not dropped as destroyed on purpose").toBeDefined();
    const statefile = new MemoryStatefile();
    await rig.run(restartRestartedHosts(rig.scheduler, statefile, ME));
    expect(rig.placements()).toEqual([expect.stringMatching(/^db@h[23]$/), "kept@h1"]);
    expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["db"]);
    await rig.run(restartRestartedHosts(rig.scheduler, statefile, ME));
    expect(rig.calls.createCalls, "once").toHaveLength(1);
    await rig.stop();
  });
});
