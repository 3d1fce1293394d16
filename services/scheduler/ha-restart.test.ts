import { describe, it, expect } from "vitest";
import type { DomainConfig } from "../dom0/xlcfg/domain-config.js";
import { restartLostHost, restartRestartedHosts } from "./ha-restart.js";
import { reconcile } from "./reconcile.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { guestConfig, RIG_HEARTBEAT_MS, rigUuid, SchedulerRig, type RigGuest } from "../sim/scheduler-rig.js";

/** Starts the guests on h1, lets the scheduler record them, kills h1, restarts what h1's lost lease held. */
async function killWith(rig: SchedulerRig, guests: readonly RigGuest[]): Promise<string[]> {
  for (const guest of guests) rig.addGuest("h1", guest);
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  rig.cluster.killHost("h1");
  await rig.idle(2000);
  return rig.run(restartLostHost(rig.scheduler, new MemoryStatefile(), { hostId: "h1", epoch: "e1" }));
}

/** h1 dies, its lost lease's round runs once: db, and only db, is created on h2 or h3. */
async function expectDbRestartedOnceAfterLosingH1(rig: SchedulerRig): Promise<void> {
  rig.cluster.killHost("h1");
  await rig.idle(2000);
  const report = await rig.run(
    restartLostHost(rig.scheduler, new MemoryStatefile(), { hostId: "h1", epoch: "e1" }),
  );
  expect(report).toHaveLength(1);
  expect(report[0]).toMatch(/^db: restarted on h[23]$/);
  expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["db"]);
}

const THREE_HOSTS = [
  { hostId: "h1", memoryMib: 4096 },
  { hostId: "h2", memoryMib: 1024 },
  { hostId: "h3", memoryMib: 1024 },
];

describe("HA restart", () => {
  it("creates a dead host's HA domains elsewhere, restart priority first, under the same name and uuid", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    const report = await killWith(rig, [
      { name: "a-web", memoryMib: 128, ha: "best-effort" },
      { name: "z-db", memoryMib: 256, ha: "restart" },
      { name: "plain", memoryMib: 128 },
    ]);
    expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["z-db", "a-web"]);
    expect(report).toHaveLength(2);
    for (const name of ["z-db", "a-web"]) {
      const found = rig.scheduler.view.findDomain(name);
      expect(found?.host.hostId, name).toMatch(/^h[23]$/);
      expect(found?.domain.uuid).toBe(rigUuid(name));
      const config = JSON.parse(found?.domain.configJson ?? "{}") as DomainConfig;
      expect(config.name).toBe(name);
      expect(config.uuid).toBe(rigUuid(name));
      expect((await rig.run(rig.scheduler.ha.get(rigUuid(name))))?.hostId).toBe(found?.host.hostId);
    }
    expect(rig.scheduler.view.findDomain("plain"), "not HA: not restarted").toBeUndefined();
    await rig.stop();
  });

  it("gives each restarted domain its own host when one host cannot take both", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    await killWith(rig, [
      { name: "big1", memoryMib: 600, ha: "restart" },
      { name: "big2", memoryMib: 600, ha: "restart" },
    ]);
    const hosts = rig.calls.createCalls.map((c) => c.hostId).sort();
    expect(hosts).toEqual(["h2", "h3"]);
    await rig.stop();
  });

  it("does not restart a domain that already runs on another host", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.addGuest("h2", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h2")));
    rig.cluster.killHost("h1");
    await rig.idle(2000);
    // A stale record (the domain moved, the record not yet): it still names h1.
    await rig.run(rig.scheduler.ha.moved(rigUuid("db"), "h1", 1));
    const report = await rig.run(
      restartLostHost(rig.scheduler, new MemoryStatefile(), { hostId: "h1", epoch: "e1" }),
    );
    expect(report).toEqual(["db: already runs on h2"]);
    expect(rig.calls.createCalls).toEqual([]);
    expect(rig.placements()).toEqual(["db@h2"]);
    await rig.stop();
  });

  it("reports a domain no host can take and goes on with the others", async () => {
    const rig = await SchedulerRig.start([
      { hostId: "h1", memoryMib: 4096 },
      { hostId: "h2", memoryMib: 1024 },
    ]);
    const report = await killWith(rig, [
      { name: "huge", memoryMib: 1500, ha: "restart" },
      { name: "small", memoryMib: 256, ha: "restart" },
      { name: "spare", memoryMib: 512, ha: "best-effort" },
      { name: "late", memoryMib: 512, ha: "best-effort" },
    ]);
    expect(report[0]).toMatch(/^huge: not restarted \(no host fits "huge": .*h2 memory/);
    expect(report[1]).toBe("small: restarted on h2");
    expect(report[2]).toBe("late: restarted on h2");
    expect(report[3]).toMatch(/^spare: not restarted \(no host fits "spare": .*h2 memory/);
    expect(rig.placements()).toEqual(["late@h2", "small@h2"]);
    expect(rig.log.some((line) => /could not restart huge \(restart\)/.test(line))).toBe(true);
    await rig.stop();
  });

  it("drops, never restarts, a guest destroyed on purpose while no scheduler listened (its name is free)", async () => {
    // VOPR seed 1: the user destroyed web on its host with the scheduler down; the "destroyed"
    // message was lost, the HA record stayed, and HA restarted web when the host later fenced.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    const statefile = new MemoryStatefile();
    for (const name of ["ci", "db"]) rig.addGuest("h1", { name, memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.stopScheduler();
    await rig.run(rig.cluster.host("h1").destroy("ci")); // frees name.ci first, then destroys
    await rig.startScheduler();
    expect(
      await rig.run(rig.scheduler.ha.get(rigUuid("ci"))),
      "the record outlived the destroy",
    ).toBeDefined();
    rig.cluster.killHost("h1");
    await rig.idle(2000);
    const lost = { hostId: "h1", epoch: "e1" };
    const report = await rig.run(restartLostHost(rig.scheduler, statefile, lost));
    expect(report).toEqual([
      "ci: not restarted (it holds no name: destroyed on purpose)",
      "db: restarted on h2",
    ]);
    expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["db"]);
    expect(await rig.run(rig.scheduler.ha.get(rigUuid("ci")))).toBeUndefined();
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, lost))).toEqual([]);
    expect(rig.calls.createCalls).toHaveLength(1);
    await rig.stop();
  });

  it("restarts a guest renamed since its record was written under its new name, once", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.addGuest("h1", { name: "old", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const before = await rig.run(rig.store.get(`ha.${rigUuid("old")}`));
    rig.stopScheduler();
    await rig.run(rig.cluster.host("h1").host.names!.rename("old", "new"));
    await rig.startScheduler();
    // As a scheduler that has not read h1 since the rename: the record still says "old".
    await rig.run(rig.store.put(`ha.${rigUuid("old")}`, before!));
    rig.cluster.killHost("h1");
    await rig.idle(2000);
    const report = await rig.run(
      restartLostHost(rig.scheduler, new MemoryStatefile(), { hostId: "h1", epoch: "e1" }),
    );
    expect(report).toEqual(["new: restarted on h2"]);
    expect(rig.placements()).toEqual(["new@h2"]);
    expect(rig.scheduler.view.findDomain("new")?.domain.uuid).toBe(rigUuid("old"));
    await rig.stop();
  });

  it("restarts a guest whose name a migration left on a host that runs no copy of it (VOPR seeds 2, 14)", async () => {
    // db migrated h2 -> h1 while the store was unreachable: h1 committed but could not move the
    // name, which still says h2. When h1 is lost, h2 is read afresh: no copy there, db restarts.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.addGuest("h1", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const names = new ClusterNames(rig.store);
    const seen = await rig.run(names.holding("db"));
    expect(seen?.holder).toEqual({ uuid: rigUuid("db"), hostId: "h1" });
    await rig.run(names.moveAt("db", { uuid: rigUuid("db"), hostId: "h2" }, seen?.revision));
    await expectDbRestartedOnceAfterLosingH1(rig);
    expect(rig.log.join("\n")).toMatch(/the name db was left on h2, which runs no copy of it/);
    await rig.stop();
  });

  it("restarts a guest lost with the destination of a migration whose end the store never heard of", async () => {
    // The record names h2 (the source, which runs no copy) and h1 (migratingTo): h1 is lost.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.addGuest("h1", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const record = JSON.parse((await rig.run(rig.store.get(`ha.${rigUuid("db")}`))) ?? "{}") as object;
    await rig.run(
      rig.store.put(`ha.${rigUuid("db")}`, JSON.stringify({ ...record, hostId: "h2", migratingTo: "h1" })),
    );
    await expectDbRestartedOnceAfterLosingH1(rig);
    await rig.stop();
  });

  it("takes a migration's NAME--incoming for no copy of the guest: restarted once the migration failed (VOPR seed 117)", async () => {
    // cache was migrating h2 -> h1 when h2 lost its lease: the round found cache--incoming (same
    // uuid) on h1, moved the record there ("already runs on h1"); the migration failed, h1
    // destroyed cache--incoming, the record went with it as destroyed on purpose: cache was lost.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    const h2 = rig.scheduler.requireHost("h2");
    rig.addGuest("h1", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    await rig.run(reconcile(rig.scheduler)); // names it
    const record = await rig.run(rig.scheduler.ha.get(rigUuid("db")));
    await rig.store.put(`ha.${rigUuid("db")}`, JSON.stringify({ ...record, migratingTo: "h2" }));
    // What a migration's destination builds: the guest's config under NAME--incoming, paused.
    const config = guestConfig({ name: "db", memoryMib: 128, ha: "restart" });
    rig.cluster.host("h2").toolstack.create(config, { paused: true, nameOverride: "db--incoming" });
    await rig.run(rig.scheduler.syncHost(h2));
    rig.cluster.killHost("h1");
    await rig.idle(2000);
    const statefile = new MemoryStatefile();
    const lost = { hostId: "h1", epoch: "e1" };
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, lost))).toEqual([
      "db: not restarted (it may run on h2)",
    ]);
    expect((await rig.run(rig.scheduler.ha.get(rigUuid("db"))))?.hostId, "not moved to a stand-in").toBe(
      "h1",
    );
    await rig.run(Promise.resolve(rig.cluster.host("h2").toolstack.destroy("db--incoming"))); // the migration failed
    await rig.idle(2000);
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, lost))).toEqual([
      expect.stringMatching(/^db: restarted on h[23]$/),
    ]);
    await rig.stop();
  });

  it("restarts each guest once per lost lease: a second scheduler's round creates nothing", async () => {
    const rig = await SchedulerRig.start(THREE_HOSTS);
    const statefile = new MemoryStatefile();
    for (const guest of [
      { name: "db", memoryMib: 128, ha: "restart" as const },
      { name: "web", memoryMib: 128, ha: "best-effort" as const },
    ])
      rig.addGuest("h1", guest);
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.cluster.killHost("h1");
    const lost = { hostId: "h1", epoch: "epoch-1" };
    const [first, second] = await rig.run(
      Promise.all([
        restartLostHost(rig.scheduler, statefile, lost),
        restartLostHost(rig.scheduler, statefile, lost),
      ]),
    );
    expect([...(first ?? []), ...(second ?? [])].filter((r) => /restarted on/.test(r))).toHaveLength(2);
    expect(rig.calls.createCalls.map((c) => c.name).sort()).toEqual(["db", "web"]);
    expect(await rig.run(restartLostHost(rig.scheduler, statefile, lost))).toEqual([]);
    expect(rig.calls.createCalls).toHaveLength(2);
    await rig.stop();
  });
});

describe("the lease epoch a host lists its guests under (docs/specs/ha.md §5)", () => {
  const ME = { ownerId: "scheduler", excludeHostIds: [] };

  it("is recorded with a protected guest before the scheduler read any lease: the guest is restarted once that epoch is gone (VOPR seeds 58, 61, 71)", async () => {
    // Seed 61: the broker went down before the scheduler had read h1's lease; the record got no
    // epoch, h1 fenced under a new one, and the guest was never restarted.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.scheduler.haEnabled = true;
    expect(rig.scheduler.hostEpochs.size, "no lease read yet").toBe(0);
    rig.addGuest("h1", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    await rig.run(reconcile(rig.scheduler)); // names it
    const firstEpoch = rig.cluster.host("h1").host.leaseEpoch;
    expect((await rig.run(rig.scheduler.ha.get(rigUuid("db"))))?.hostEpoch).toBe(firstEpoch);
    rig.cluster.killHost("h1");
    rig.cluster.restartHost("h1"); // a new epoch, as a fence takes one: db is gone
    await rig.idle(1000 + 2 * RIG_HEARTBEAT_MS);
    rig.scheduler.hostEpochs.set("h1", rig.cluster.host("h1").host.leaseEpoch);
    await rig.run(reconcile(rig.scheduler));
    expect(await rig.run(rig.scheduler.ha.get(rigUuid("db"))), "kept: its epoch is gone").toBeDefined();
    await rig.run(restartRestartedHosts(rig.scheduler, new MemoryStatefile(), ME));
    expect(rig.placements()).toEqual([expect.stringMatching(/^db@h[23]$/)]);
    await rig.stop();
  });

  it("counts a migration's destination with the epoch it had at the start: a guest that landed there and died with that epoch is restarted (VOPR seeds 226, 270)", async () => {
    // Seed 226: the scheduler migrated web h1 -> h3 and crashed before moving the record; h3,
    // cut off, fenced web (a new epoch). The record still named h1 (runs no copy) + migratingTo h3.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.scheduler.haEnabled = true;
    rig.addGuest("h1", { name: "db", memoryMib: 128, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h2")));
    await rig.run(reconcile(rig.scheduler)); // names it
    const destinationEpoch = rig.cluster.host("h2").host.leaseEpoch;
    const record = await rig.run(rig.scheduler.ha.get(rigUuid("db")));
    // The guest left h1 (committed on h2, its name moved there), then h2 lost it with its epoch.
    await rig.run(Promise.resolve(rig.cluster.host("h1").toolstack.destroy("db")));
    await rig.idle(1000);
    await rig.store.put(
      `ha.${rigUuid("db")}`,
      JSON.stringify({ ...record, migratingTo: "h2", migratingToEpoch: destinationEpoch }),
    );
    await rig.store.put("name.db", JSON.stringify({ uuid: rigUuid("db"), hostId: "h2" }));
    rig.cluster.killHost("h2");
    rig.cluster.restartHost("h2");
    await rig.idle(1000 + 2 * RIG_HEARTBEAT_MS);
    rig.scheduler.hostEpochs.set("h1", rig.cluster.host("h1").host.leaseEpoch);
    rig.scheduler.hostEpochs.set("h2", rig.cluster.host("h2").host.leaseEpoch);
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h2")));
    await rig.run(restartRestartedHosts(rig.scheduler, new MemoryStatefile(), ME));
    expect(rig.placements(), rig.log.join("\n")).toEqual([expect.stringMatching(/^db@h[13]$/)]);
    // Once only: the next round finds it running.
    await rig.run(restartRestartedHosts(rig.scheduler, new MemoryStatefile(), ME));
    expect(rig.placements()).toHaveLength(1);
    await rig.stop();
  });

  it("is not gone while the host lists under it, though its lease still names the one before", async () => {
    // A host that fenced lists under its new epoch before it writes its new lease: a guest seen
    // under the new one and gone since (destroyed on purpose, crashed) was not lost with an epoch.
    const rig = await SchedulerRig.start(THREE_HOSTS);
    rig.scheduler.haEnabled = true;
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const listed = rig.cluster.host("h1").host.leaseEpoch;
    const configJson = JSON.stringify(guestConfig({ name: "db", memoryMib: 64, ha: "restart" }));
    const uuid = rigUuid("db");
    const record = { uuid, name: "db", hostId: "h1", domid: 7, priority: "restart" };
    await rig.store.put(`ha.${uuid}`, JSON.stringify({ ...record, configJson, hostEpoch: listed }));
    await new ClusterNames(rig.store).reserve("db", { uuid, hostId: "h1" });
    rig.scheduler.hostEpochs.set("h1", `${listed}-before`);
    await rig.run(restartRestartedHosts(rig.scheduler, new MemoryStatefile(), ME));
    expect(rig.calls.createCalls, rig.log.join("\n")).toEqual([]);
    rig.scheduler.hostEpochs.set("h1", listed);
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.cluster.killHost("h1");
    rig.cluster.restartHost("h1");
    await rig.idle(1000 + 2 * RIG_HEARTBEAT_MS);
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.scheduler.hostEpochs.set("h1", rig.cluster.host("h1").host.leaseEpoch);
    await rig.run(restartRestartedHosts(rig.scheduler, new MemoryStatefile(), ME));
    expect(
      rig.calls.createCalls.map((c) => c.name),
      "gone with the restart: restarted",
    ).toEqual(["db"]);
    await rig.stop();
  });
});
