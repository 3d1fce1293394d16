import { describe, it, expect } from "vitest";
import { purgeRestartTokens, restartLostHost, restartRestartedHosts } from "./ha-restart.js";
import { restartTokenKey, parseRestartToken } from "./ha-restart-token.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { startSimRig, RIG_HEARTBEAT_MS, type SimRig } from "./sim-rig.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { encodeJson } from "../contracts/bus.js";
import { domainEventSubject } from "../contracts/subjects.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { reconcile } from "./reconcile.js";

const THREE_HOSTS = [
  { hostId: "h1", memoryMib: 4096 },
  { hostId: "h2", memoryMib: 1024 },
  { hostId: "h3", memoryMib: 1024 },
];
const LOST = { hostId: "h1", epoch: "e1" };
const ME = { ownerId: "scheduler-2", excludeHostIds: [] };

/** h1 runs the guests, the scheduler records them, then h1 dies (its lease `e1` is lost). */
async function lostWith(rig: SimRig, guests: { name: string; memoryMib: number }[]): Promise<void> {
  for (const guest of guests) rig.cluster.addGuest("h1", { ...guest, ha: "restart" });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  rig.cluster.host("h1").alive = false;
  await rig.idle(2000);
}

/** A real host announces a domain it created (the scheduler's claims settle on it). */
function announce(rig: SimRig, hostId: string, name: string): void {
  const found = rig.scheduler.view.findDomain(name);
  const event: DomainEvent = {
    hostId,
    event: "created",
    domid: found?.domain.domid ?? 1,
    name,
    uuid: `uuid-${name}`,
    state: "r-----",
    memoryKib: 0,
    vcpus: 1,
    timeMs: rig.clock.nowMs(),
  };
  rig.bus.publish(domainEventSubject(hostId, "created"), encodeJson(event));
}

async function token(statefile: MemoryStatefile, uuid: string, epoch = "e1") {
  const entry = await statefile.read(restartTokenKey(uuid, epoch));
  return entry ? parseRestartToken(entry.value) : undefined;
}

describe("HA restart tokens", () => {
  it("counts a restarted guest's memory once: its claim ends with the host's created event", async () => {
    const rig = await startSimRig(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 512 }]);
    await rig.run(restartLostHost(rig.scheduler, new MemoryStatefile(), LOST, ME));
    const target = rig.scheduler.view.findDomain("db")?.host.hostId ?? "";
    expect(target).toMatch(/^h[23]$/);
    announce(rig, target, "db");
    await rig.idle(RIG_HEARTBEAT_MS);
    const reported = rig.cluster.host(target).freeMemoryKib();
    expect(rig.scheduler.requireHost(target).heartbeat.freeMemoryKib).toBe(reported);
    await rig.stop();
  });

  it("takes over a token left claimed by a scheduler that died before the create: restarted once", async () => {
    const rig = await startSimRig(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const statefile = new MemoryStatefile();
    const dead = { from: "h1", uuid: "uuid-db", owner: "scheduler-1", state: "claimed", attemptCount: 1 };
    await statefile.create(restartTokenKey("uuid-db", "e1"), JSON.stringify(dead));
    const report = await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME));
    expect(report).toEqual([expect.stringMatching(/^db: restarted on h[23]$/)]);
    expect(rig.cluster.createCalls.map((c) => c.name)).toEqual(["db"]);
    expect(await token(statefile, "uuid-db")).toMatchObject({
      owner: "scheduler-2",
      state: "created",
      attemptCount: 2,
    });
    // Finished: a later round creates nothing.
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME))).toEqual([]);
    expect(rig.cluster.createCalls).toHaveLength(1);
    await rig.stop();
  });

  it("does not start a guest whose name another host now holds (an earlier scheduler's create landed there)", async () => {
    const rig = await startSimRig(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const names = new ClusterNames(rig.store);
    await names.reserve("db", { uuid: "uuid-db", hostId: "h3" });
    const statefile = new MemoryStatefile();
    const report = await rig.run(restartLostHost(rig.scheduler, statefile, LOST, ME));
    expect(report).toEqual(["db: not restarted (its name is held by uuid-db on h3)"]);
    expect(rig.cluster.createCalls).toEqual([]);
    expect((await token(statefile, "uuid-db"))?.state).toBe("claimed");
    await rig.stop();
  });

  it("two schedulers taking over the same token at once start the guest once", async () => {
    const rig = await startSimRig(THREE_HOSTS);
    await lostWith(rig, [
      { name: "db", memoryMib: 128 },
      { name: "web", memoryMib: 128 },
    ]);
    const statefile = new MemoryStatefile();
    for (const uuid of ["uuid-db", "uuid-web"])
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
    expect(rig.cluster.createCalls.map((c) => c.name).sort()).toEqual(["db", "web"]);
    await rig.stop();
  });

  it("purges a token once its guest runs elsewhere or was destroyed, and keeps it before", async () => {
    const rig = await startSimRig(THREE_HOSTS);
    await lostWith(rig, [{ name: "db", memoryMib: 128 }]);
    const statefile = new MemoryStatefile();
    const claimed = (uuid: string) => ({ from: "h1", uuid, owner: "x", state: "claimed", attemptCount: 1 });
    await statefile.create(restartTokenKey("uuid-db", "e1"), JSON.stringify(claimed("uuid-db")));
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
    const rig = await startSimRig(THREE_HOSTS);
    rig.scheduler.hostEpochs.set("h1", "e1");
    rig.scheduler.haEnabled = true;
    for (const name of ["db", "kept"]) rig.cluster.addGuest("h1", { name, memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    expect((await rig.scheduler.ha.get("uuid-db"))?.hostEpoch).toBe("e1");
    // h1 restarts: a new lease epoch, only "kept" runs again there (restored at its start).
    rig.cluster.host("h1").remove("db");
    rig.scheduler.hostEpochs.set("h1", "e2");
    await rig.run(reconcile(rig.scheduler));
    expect(await rig.scheduler.ha.get("uuid-db"), "not dropped as destroyed on purpose").toBeDefined();
    const statefile = new MemoryStatefile();
    await rig.run(restartRestartedHosts(rig.scheduler, statefile, ME));
    expect(rig.cluster.placements()).toEqual([expect.stringMatching(/^db@h[23]$/), "kept@h1"]);
    expect(rig.cluster.createCalls.map((c) => c.name)).toEqual(["db"]);
    await rig.run(restartRestartedHosts(rig.scheduler, statefile, ME));
    expect(rig.cluster.createCalls, "once").toHaveLength(1);
    await rig.stop();
  });
});
