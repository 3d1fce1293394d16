import { describe, it, expect } from "vitest";
import { encodeJson } from "../contracts/bus.js";
import { domainEventSubject } from "../contracts/subjects.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { MemoryStore } from "../contracts/state-store.js";
import { EXPIRE_CHECK_INTERVAL_MS } from "./scheduler.js";
import { RIG_HEARTBEAT_MS, RIG_MISSED_HEARTBEATS, startSimRig } from "./sim-rig.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 1024 },
  { hostId: "h2", memoryMib: 1024 },
];

describe("Scheduler", () => {
  it("learns hosts from heartbeats and reads their domains", async () => {
    const rig = await startSimRig(HOSTS);
    rig.cluster.addGuest("h1", { name: "web", memoryMib: 128 });
    const h1 = rig.scheduler.requireHost("h1");
    await rig.run(rig.scheduler.syncHost(h1));
    expect(rig.scheduler.view.upHosts().map((h) => h.hostId)).toEqual(["h1", "h2"]);
    expect(rig.scheduler.view.findDomain("web")?.host.hostId).toBe("h1");
    expect(rig.scheduler.view.hosts.get("h2")?.synced).toBe(true);
    await rig.stop();
  });

  it("declares a silent host down after the missed heartbeats, once, and tells listeners", async () => {
    const rig = await startSimRig(HOSTS);
    const downAtMs: Array<[string, number]> = [];
    rig.scheduler.onHostDown((host) => downAtMs.push([host.hostId, rig.clock.nowMs()]));
    await rig.idle(1000);
    const silentSinceMs = rig.scheduler.requireHost("h2").lastSeenMs;
    rig.cluster.host("h2").alive = false;
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

  it("re-reads a host's domains after a domain event", async () => {
    const rig = await startSimRig(HOSTS);
    const domain = rig.cluster.addGuest("h2", { name: "db", memoryMib: 64 });
    const event: DomainEvent = {
      hostId: "h2",
      event: "created",
      domid: domain.domid,
      name: "db",
      uuid: domain.uuid,
      state: "r-----",
      memoryKib: domain.memoryKib,
      vcpus: 1,
      timeMs: 0,
    };
    rig.bus.publish(domainEventSubject("h2", "created"), encodeJson(event));
    await rig.idle(100);
    expect(rig.scheduler.view.findDomain("db")?.domain.configJson).toContain('"name":"db"');
    await rig.stop();
  });

  it("forgets an HA domain destroyed on purpose on its host", async () => {
    const rig = await startSimRig(HOSTS);
    const domain = rig.cluster.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    expect(await rig.scheduler.ha.get(domain.uuid)).toBeDefined();
    rig.cluster.host("h1").remove("db");
    const destroyed: DomainEvent = {
      hostId: "h1",
      event: "destroyed",
      domid: domain.domid,
      name: "db",
      uuid: domain.uuid,
      state: "-----d",
      memoryKib: 0,
      vcpus: 0,
      timeMs: 0,
    };
    rig.bus.publish(domainEventSubject("h1", "destroyed"), encodeJson(destroyed));
    await rig.idle(100);
    expect(await rig.scheduler.ha.get(domain.uuid)).toBeUndefined();
    expect(rig.scheduler.view.findDomain("db")).toBeUndefined();
    await rig.stop();
  });

  it("keeps disabled hosts in the store and reads them back on start", async () => {
    const store = new MemoryStore();
    const first = await startSimRig(HOSTS, { store });
    await first.scheduler.setHostEnabled("h2", false);
    await first.stop();
    const second = await startSimRig(HOSTS, { store });
    expect([...second.scheduler.disabledHosts]).toEqual(["h2"]);
    await second.scheduler.setHostEnabled("h2", true);
    expect(await store.keys("host.")).toEqual([]);
    await second.stop();
  });
});
