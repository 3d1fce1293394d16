import { describe, it, expect } from "vitest";
import { NoValidHostError } from "./placement/errors.js";
import { clusterMigrate, placeAndCreate } from "./operations.js";
import { guestCfg, SchedulerRig, type RigGuest } from "../sim/scheduler-rig.js";

const TWO_HOSTS = [
  { hostId: "h1", memoryMib: 1024 },
  { hostId: "h2", memoryMib: 1024, hvmCapable: false },
];

function create(rig: SchedulerRig, guest: RigGuest, dryRun = false, policy = "spread") {
  const request = {
    configText: guestCfg(guest),
    configFileName: `${guest.name}.cfg`,
    overrides: [],
    paused: false,
    policy,
  };
  return rig.run(placeAndCreate(rig.scheduler, request, dryRun));
}

function migrate(rig: SchedulerRig, domain: string, destinationHostId = "") {
  const options = { domain, destinationHostId, policy: "xen", live: true, bandwidth: "" };
  return rig.run(clusterMigrate(rig.scheduler, options, () => undefined));
}

describe("placeAndCreate", () => {
  it("back-to-back creates between two heartbeats do not overcommit one host", async () => {
    const rig = await SchedulerRig.start(TWO_HOSTS);
    const first = create(rig, { name: "a", memoryMib: 700 });
    const second = create(rig, { name: "b", memoryMib: 700 });
    const placed = await Promise.all([first, second]);
    expect(placed.map((p) => p.host.hostId).sort()).toEqual(["h1", "h2"]);
    await rig.stop();
  });

  it("a refusal names each host's filter and creates nothing", async () => {
    const rig = await SchedulerRig.start(TWO_HOSTS);
    await create(rig, { name: "a", memoryMib: 900 });
    await create(rig, { name: "b", memoryMib: 900 });
    const refused = await create(rig, { name: "c", memoryMib: 900 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoValidHostError);
    expect((refused as Error).message).toMatch(/^no host fits "c": h1 memory .* < 900 MiB; h2 memory/);
    expect(rig.calls.createCalls.map((c) => c.name)).toEqual(["a", "b"]);
    await rig.stop();
  });

  it("a dry run places without creating, and HVM goes only to an HVM host", async () => {
    const rig = await SchedulerRig.start(TWO_HOSTS);
    for (let i = 0; i < 4; i++) {
      const placed = await create(rig, { name: `w${i}`, memoryMib: 64, type: "hvm" }, true);
      expect(placed.host.hostId).toBe("h1");
      expect(placed.domain).toBeUndefined();
    }
    expect(rig.calls.createCalls).toEqual([]);
    await rig.stop();
  });

  it("anti-affinity keeps a group's domains apart", async () => {
    const rig = await SchedulerRig.start([...TWO_HOSTS, { hostId: "h3", memoryMib: 1024 }]);
    for (const name of ["x", "y", "z"]) await create(rig, { name, memoryMib: 64, antiAffinity: "g" }, false);
    expect(new Set(rig.calls.createCalls.map((c) => c.hostId)).size).toBe(3);
    const refused = await create(rig, { name: "w", memoryMib: 64, antiAffinity: "g" }).catch((e: Error) => e);
    expect((refused as Error).message).toMatch(/anti-affinity group "g"/);
    await rig.stop();
  });
});

describe("clusterMigrate", () => {
  it("names the destination in a protected guest's HA record first, and refuses with the store unreachable", async () => {
    // VOPR seed 28: mail moved during a broker outage without a trace in the store; its new host
    // died, and HA, whose record still named the old host, never restarted it.
    const rig = await SchedulerRig.start(TWO_HOSTS);
    const db = rig.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.cluster.brokerDown();
    const refused = await migrate(rig, "db").catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /^db: an HA-protected guest cannot be migrated while the cluster store is unreachable: HA would not know which host it runs on \(.*\); nothing was changed, try again$/,
    );
    expect(rig.calls.migrateCalls).toEqual([]);
    expect(rig.placements()).toEqual(["db@h1"]);
    rig.cluster.brokerUp();
    await rig.idle(1000);
    const seen: unknown[] = [];
    const options = { domain: "db", destinationHostId: "", policy: "xen", live: true, bandwidth: "" };
    const done = rig.run(
      clusterMigrate(rig.scheduler, options, () => {
        if (seen.length === 0) seen.push(JSON.parse(rig.cluster.kv.peek(`ha.${db.uuid}`)?.value ?? "{}"));
      }),
    );
    expect((await done).stats?.status).toBe("completed");
    expect(seen[0], "while it migrates").toMatchObject({ hostId: "h1", migratingTo: "h2" });
    const after = JSON.parse(rig.cluster.kv.peek(`ha.${db.uuid}`)?.value ?? "{}") as Record<string, unknown>;
    expect(after).toMatchObject({ hostId: "h2" });
    expect(after.migratingTo).toBeUndefined();
    rig.cluster.brokerDown();
    rig.addGuest("h1", { name: "plain", memoryMib: 64 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    expect((await migrate(rig, "plain")).stats?.status, "unprotected: no store needed").toBe("completed");
    await rig.stop();
  });

  it("refuses a second migration of a guest from the source it is migrating from, its HA trace left naming the first's destination", async () => {
    // VOPR seed 124: ci was migrating h3 -> h4 when a second migrate chose h1; its trace replaced
    // the first's (migratingTo h1) before h3 refused it (already being migrated). The first
    // completed during a broker outage, h4 died with ci, and HA, whose record named h3 and h1,
    // never restarted it.
    const rig = await SchedulerRig.start([...TWO_HOSTS, { hostId: "h3", memoryMib: 1024 }]);
    const db = rig.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const trace = () =>
      JSON.parse(rig.cluster.kv.peek(`ha.${db.uuid}`)?.value ?? "{}") as Record<string, unknown>;
    const options = { domain: "db", policy: "xen", live: true, bandwidth: "" };
    const h3FreeKib = rig.scheduler.requireHost("h3").heartbeat.freeMemoryKib;
    let second: Promise<unknown> | undefined;
    const seen: unknown[] = [];
    const first = clusterMigrate(rig.scheduler, { ...options, destinationHostId: "h2" }, () => {
      second ??= clusterMigrate(rig.scheduler, { ...options, destinationHostId: "h3" }, () => undefined).then(
        () => "migrated",
        (error: unknown) => {
          seen.push(trace());
          return error;
        },
      );
    });
    expect((await rig.run(first)).stats?.status).toBe("completed");
    const refused = await rig.run(second ?? Promise.resolve("never started"));
    expect((refused as Error).message).toBe("domain db is already being migrated");
    expect(seen[0], "the first's trace, as it was").toMatchObject({ hostId: "h1", migratingTo: "h2" });
    expect(rig.calls.migrateCalls.map((c) => c.toHostId)).toEqual(["h2"]);
    expect(rig.placements()).toEqual(["db@h2"]);
    expect(rig.scheduler.requireHost("h3").heartbeat.freeMemoryKib, "h3's claim given back").toBe(h3FreeKib);
    expect(rig.scheduler.migrationsRunning.size).toBe(0);
    await rig.stop();
  });

  it("picks a destination that is not the source and checks a given one", async () => {
    const rig = await SchedulerRig.start([...TWO_HOSTS, { hostId: "h3", memoryMib: 1024 }]);
    await create(rig, { name: "win", memoryMib: 128, type: "hvm" }, false, "first-fit");
    expect(rig.placements()).toEqual(["win@h1"]);
    await expect(migrate(rig, "win", "h1")).rejects.toThrow(/already runs on h1/);
    await expect(migrate(rig, "win", "h2")).rejects.toThrow(/h2 no HVM/);
    await expect(migrate(rig, "nothing")).rejects.toThrow(/no domain "nothing"/);
    const last = await migrate(rig, "win");
    expect(last.stats?.status).toBe("completed");
    expect(rig.placements()).toEqual(["win@h3"]);
    expect(rig.scheduler.view.findDomain("win")?.host.hostId).toBe("h3");
    await rig.stop();
  });

  it("gives the destination's claim back when the migration fails", async () => {
    const rig = await SchedulerRig.start(TWO_HOSTS);
    rig.addGuest("h1", { name: "web", memoryMib: 512 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.calls.failingMigrations.add("web");
    // The Migrate fails at once: no heartbeat in between.
    const freeKib = rig.scheduler.requireHost("h2").heartbeat.freeMemoryKib;
    expect((await migrate(rig, "web")).stats?.status).toBe("failed");
    expect(rig.scheduler.requireHost("h2").heartbeat.freeMemoryKib).toBe(freeKib);
    await rig.stop();
  });
});
