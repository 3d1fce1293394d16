import { describe, it, expect } from "vitest";
import { domainEventSubject } from "../contracts/subjects.js";
import { EXPIRE_CHECK_INTERVAL_MS } from "./scheduler.js";
import { RIG_HEARTBEAT_MS, RIG_MISSED_HEARTBEATS, SchedulerRig } from "../sim/scheduler-rig.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 1024 },
  { hostId: "h2", memoryMib: 1024 },
];

describe("Scheduler", () => {
  it("learns hosts from heartbeats and reads their domains", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    rig.addGuest("h1", { name: "web", memoryMib: 128 });
    const h1 = rig.scheduler.requireHost("h1");
    await rig.run(rig.scheduler.syncHost(h1));
    expect(rig.scheduler.view.upHosts().map((h) => h.hostId)).toEqual(["h1", "h2"]);
    expect(rig.scheduler.view.findDomain("web")?.host.hostId).toBe("h1");
    expect(rig.scheduler.view.hosts.get("h2")?.synced).toBe(true);
    await rig.stop();
  });

  it("declares a silent host down after the missed heartbeats, once, and tells listeners", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    const downAtMs: Array<[string, number]> = [];
    rig.scheduler.onHostDown((host) => downAtMs.push([host.hostId, rig.clock.nowMs()]));
    await rig.idle(1000);
    const silentSinceMs = rig.scheduler.requireHost("h2").lastSeenMs;
    rig.cluster.killHost("h2");
    const deadlineMs = RIG_MISSED_HEARTBEATS * RIG_HEARTBEAT_MS;
    await rig.idle(silentSinceMs + deadlineMs - rig.clock.nowMs());
    expect(downAtMs, "not before the deadline").toEqual([]);
    await rig.idle(2 * EXPIRE_CHECK_INTERVAL_MS + 2000);
    expect(downAtMs.map(([hostId]) => hostId)).toEqual(["h2"]);
    const [, atMs] = downAtMs[0] ?? ["", 0];
    expect(atMs - silentSinceMs).toBeGreaterThan(deadlineMs);
    expect(atMs - silentSinceMs).toBeLessThanOrEqual(deadlineMs + EXPIRE_CHECK_INTERVAL_MS);
    expect(rig.scheduler.requireHost("h1").liveness).toBe("up");
    await rig.stop();
  });

  it("re-reads a host's domains after a domain event, before any heartbeat says so", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    const events: string[] = [];
    rig.cluster.broker.connect("cli").subscribe("xsim.host.h2.domain.*", (subject) => events.push(subject));
    const sequence = rig.scheduler.requireHost("h2").heartbeat.sequence;
    rig.addGuest("h2", { name: "db", memoryMib: 64 });
    await rig.idle(RIG_HEARTBEAT_MS / 4);
    expect(events).toContain(domainEventSubject("h2", "created"));
    expect(rig.scheduler.requireHost("h2").heartbeat.sequence, "no heartbeat meanwhile").toBe(sequence);
    expect(rig.scheduler.view.findDomain("db")?.domain.configJson).toContain('"name":"db"');
    await rig.stop();
  });

  it("forgets an HA domain destroyed on purpose on its host", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    const domain = rig.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    expect(await rig.run(rig.scheduler.ha.get(domain.uuid))).toBeDefined();
    // `xl destroy` on h1: its "destroyed" event, not a lost heartbeat, tells the scheduler.
    rig.cluster.host("h1").toolstack.destroy("db");
    await rig.idle(100);
    expect(await rig.run(rig.scheduler.ha.get(domain.uuid))).toBeUndefined();
    expect(rig.scheduler.view.findDomain("db")).toBeUndefined();
    await rig.stop();
  });

  it("keeps disabled hosts in the store and reads them back on start", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    await rig.run(rig.scheduler.setHostEnabled("h2", false));
    const second = await rig.restartScheduler();
    expect([...second.disabledHosts]).toEqual(["h2"]);
    await rig.run(second.setHostEnabled("h2", true));
    expect(await rig.store.keys("host.")).toEqual([]);
    await rig.stop();
  });

  it("a disable or enable whose store write fails changes nothing (VOPR seed 6)", async () => {
    // A host left disabled in memory only took no guest, HA restarts included, while the user had
    // been told that its host-evacuate failed.
    const rig = await SchedulerRig.start(HOSTS);
    rig.cluster.brokerDown();
    await expect(rig.run(rig.scheduler.setHostEnabled("h2", false))).rejects.toThrow(
      /state store cannot be reached/,
    );
    expect([...rig.scheduler.disabledHosts]).toEqual([]);
    rig.cluster.brokerUp();
    await rig.run(rig.scheduler.setHostEnabled("h2", false));
    rig.cluster.brokerDown();
    await expect(rig.run(rig.scheduler.setHostEnabled("h2", true))).rejects.toThrow(
      /state store cannot be reached/,
    );
    expect([...rig.scheduler.disabledHosts]).toEqual(["h2"]);
    rig.cluster.brokerUp();
    expect(await rig.run(rig.store.keys("host."))).toEqual(["host.h2"]);
    await rig.stop();
  });
});
