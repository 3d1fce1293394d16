import { describe, it, expect, vi } from "vitest";
import { ClusterView, HostEntrySlot, MISSED_HEARTBEAT_COUNT_MAX_DEFAULT } from "./cluster-view.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import type { DomainEvent, DomainEventKind } from "../contracts/domain-event.js";
import { guestDomainInfo } from "../sim/scheduler-rig.js";
import { Prng } from "../core/prng.js";
import { HostClaims, type PlacementClaim } from "./claims.js";

const INTERVAL_MS = 200;

/** An idle host's heartbeat: 1 GiB, 8 pCPUs, Domain-0 only. */
function beat(hostId: string, sequence: number, extra: Partial<Heartbeat> = {}): Heartbeat {
  return {
    hostId,
    address: `sim://${hostId}`,
    sequence,
    timeMs: 0,
    pcpus: 8,
    hvm: true,
    totalMemoryKib: 1024 * 1024,
    freeMemoryKib: 1024 * 1024,
    domainCount: 1,
    vcpusAllocated: 0,
    migrationsOutbound: 0,
    migrationsInbound: 0,
    intervalMs: INTERVAL_MS,
    ...extra,
  };
}

function domainEvent(hostId: string, event: DomainEventKind, domid: number, name: string): DomainEvent {
  return {
    hostId,
    event,
    domid,
    name,
    uuid: `uuid-${name}`,
    state: "-b----",
    memoryKib: 131072,
    vcpus: 1,
    timeMs: 0,
  };
}

describe("ClusterView heartbeats", () => {
  it("adds a host on its first heartbeat, then knows it", () => {
    const view = new ClusterView(3);
    expect(view.onHeartbeat(beat("h1", 0), 0)).toBe("new");
    expect(view.hosts.get("h1")?.liveness).toBe("up");
    expect(view.hosts.get("h1")?.synced).toBe(false);
    expect(view.onHeartbeat(beat("h1", 1, { freeMemoryKib: 42 }), 200)).toBe("known");
    expect(view.hosts.get("h1")?.heartbeat.freeMemoryKib).toBe(42);
    expect(view.hosts.get("h1")?.lastSeenMs).toBe(200);
  });

  it("answers a heartbeat with a slot kept from the host's last one as without, whatever changed in between", () => {
    const withSlot = new ClusterView(3);
    const without = new ClusterView(3);
    const slot = new HostEntrySlot();
    const both = (b: Heartbeat, nowMs: number) => {
      const seen = withSlot.onHeartbeat(b, nowMs, slot);
      expect(seen).toBe(without.onHeartbeat(b, nowMs));
      expect(slot.entry).toBe(withSlot.hosts.get(b.hostId));
      return seen;
    };
    expect(both(beat("h1", 0), 0)).toBe("new");
    expect(both(beat("h1", 1), 200)).toBe("known");
    for (const view of [withSlot, without]) view.hosts.delete("h1");
    expect(both(beat("h1", 2), 400)).toBe("new");
    for (const view of [withSlot, without]) view.onHeartbeat(beat("h2", 0), 400);
    expect(both(beat("h1", 3), 600)).toBe("known");
    for (const view of [withSlot, without]) expect(view.expire(600 + 4 * INTERVAL_MS)).toHaveLength(2);
    expect(both(beat("h1", 4), 2000)).toBe("new");
    expect(both(beat("h1", 1), 2200)).toBe("new"); // restarted: a lower sequence
    expect(withSlot.hosts.get("h1")?.lastSeenMs).toBe(2200);
  });

  it("declares a host down after missedHeartbeatCountMax intervals of silence, not before", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 0), 1000);
    expect(view.expire(1000 + 3 * INTERVAL_MS)).toEqual([]);
    expect(view.hosts.get("h1")?.liveness).toBe("up");
    const down = view.expire(1000 + 3 * INTERVAL_MS + 1);
    expect(down.map((h) => h.hostId)).toEqual(["h1"]);
    expect(view.hosts.get("h1")?.liveness).toBe("down");
    expect(view.expire(5000), "declared down once").toEqual([]);
    expect(view.upHosts()).toEqual([]);
  });

  it("lists the up hosts in id order as hosts come, go down, come back, are dropped and replaced", () => {
    const view = new ClusterView(3);
    const ids = () => view.upHosts().map((h) => h.hostId);
    for (const id of ["h2", "h10", "h1"]) view.onHeartbeat(beat(id, 0), 1000);
    expect(ids()).toEqual(["h1", "h10", "h2"]);
    view.onHeartbeat(beat("h3", 0), 1000 + 3 * INTERVAL_MS);
    expect(ids()).toEqual(["h1", "h10", "h2", "h3"]);
    view.expire(1000 + 3 * INTERVAL_MS + 1); // all but h3 go down
    expect(ids()).toEqual(["h3"]);
    view.onHeartbeat(beat("h10", 1), 1000 + 4 * INTERVAL_MS);
    expect(ids()).toEqual(["h10", "h3"]);
    view.hosts.delete("h10"); // as a host that never answers is dropped (unanswered-hosts.ts)
    expect(ids()).toEqual(["h3"]);
    const replaced = { ...view.hosts.get("h3")! };
    view.hosts.set("h3", replaced);
    expect(view.upHosts()[0]).toBe(replaced);
    view.hosts.clear();
    expect(ids()).toEqual([]);
  });

  it("hands out one list of the up hosts until a host comes or goes, and never changes one handed out", () => {
    const view = new ClusterView(3);
    for (const id of ["h2", "h1"]) view.onHeartbeat(beat(id, 0), 1000);
    const first = view.upHosts();
    view.onHeartbeat(beat("h1", 1), 1000 + INTERVAL_MS);
    expect(view.upHosts(), "a heartbeat of a known host changes nothing").toBe(first);
    view.onHeartbeat(beat("h3", 0), 1000 + 3 * INTERVAL_MS);
    const second = view.upHosts();
    expect(second.map((h) => h.hostId)).toEqual(["h1", "h2", "h3"]);
    expect(
      first.map((h) => h.hostId),
      "the list handed out before",
    ).toEqual(["h1", "h2"]);
    view.expire(1000 + 3 * INTERVAL_MS + 1); // h2 goes down
    expect(view.upHosts().map((h) => h.hostId)).toEqual(["h1", "h3"]);
    expect(second.map((h) => h.hostId)).toEqual(["h1", "h2", "h3"]);
  });

  it("declares down exactly the hosts a scan of all would, though it skips scans that would find none", () => {
    // A reference view scanned in full each time, beside the real one, fed the same heartbeats:
    // intervals that shrink and grow, hosts silent, back, dropped, checked at uneven instants.
    const prng = new Prng(42);
    const view = new ClusterView(3);
    const seen = new Map<string, { lastSeenMs: number; intervalMs: number; up: boolean }>();
    const sequences = new Map<string, number>();
    let nowMs = 0;
    let declared = 0;
    for (let step = 0; step < 5000; step++) {
      nowMs += prng.nextInt(300);
      const hostId = `h${prng.nextInt(12)}`;
      const roll = prng.nextInt(10);
      if (roll < 6) {
        const intervalMs = [50, 200, 1000, 7000][prng.nextInt(4)]!;
        const sequence = (sequences.get(hostId) ?? 0) + 1;
        sequences.set(hostId, sequence);
        view.onHeartbeat(beat(hostId, sequence, { intervalMs }), nowMs);
        seen.set(hostId, { lastSeenMs: nowMs, intervalMs, up: true });
      } else if (roll === 6 && view.hosts.delete(hostId)) seen.delete(hostId);
      const expected = [...seen.entries()]
        .filter(([, h]) => h.up && nowMs - h.lastSeenMs > h.intervalMs * 3)
        .map(([id]) => id);
      for (const id of expected) seen.get(id)!.up = false;
      const down = view.expire(nowMs).map((h) => h.hostId);
      expect(down.sort(), `step ${step} at ${nowMs} ms`).toEqual(expected.sort());
      declared += down.length;
      const up = [...seen.entries()].filter(([, h]) => h.up).map(([id]) => id);
      expect(
        view.upHosts().map((h) => h.hostId),
        `up at step ${step}`,
      ).toEqual(up.sort((a, b) => a.localeCompare(b)));
    }
    expect(declared).toBeGreaterThan(100);
  });

  it("names the hosts declared down (xsim list says their domains are not listed)", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h2", 0), 1000);
    view.onHeartbeat(beat("h1", 0), 1000);
    expect(view.downHostIds()).toEqual([]);
    view.onHeartbeat(beat("h3", 0), 1000 + 3 * INTERVAL_MS);
    view.expire(1000 + 3 * INTERVAL_MS + 1);
    expect(view.downHostIds()).toEqual(["h1", "h2"]);
  });

  it("uses the default count when none is given", () => {
    const view = new ClusterView();
    view.onHeartbeat(beat("h1", 0), 0);
    expect(view.expire(MISSED_HEARTBEAT_COUNT_MAX_DEFAULT * INTERVAL_MS)).toEqual([]);
    expect(view.expire(MISSED_HEARTBEAT_COUNT_MAX_DEFAULT * INTERVAL_MS + 1)).toHaveLength(1);
  });

  it("keeps a host up while heartbeats keep coming", () => {
    const view = new ClusterView(2);
    for (let i = 0; i < 10; i++) {
      view.onHeartbeat(beat("h1", i), i * INTERVAL_MS);
      expect(view.expire(i * INTERVAL_MS + INTERVAL_MS)).toEqual([]);
    }
  });

  it("sees a host come back as new after it was down", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 5), 0);
    view.syncDomains("h1", []);
    view.expire(10_000);
    expect(view.onHeartbeat(beat("h1", 6), 10_100)).toBe("new");
    expect(view.hosts.get("h1")?.liveness).toBe("up");
    expect(view.hosts.get("h1")?.synced).toBe(false);
  });

  it("sees a host whose sequence restarted as new (the host process restarted)", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 7), 0);
    view.syncDomains("h1", []);
    expect(view.onHeartbeat(beat("h1", 0, { address: "127.0.0.1:2" }), 100)).toBe("new");
    expect(view.hosts.get("h1")?.address).toBe("127.0.0.1:2");
    expect(view.hosts.get("h1")?.synced).toBe(false);
  });
});

describe("ClusterView domains", () => {
  const withHost = () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 0), 0);
    view.onHeartbeat(beat("h2", 0), 0);
    return view;
  };

  it("syncDomains replaces the list and drops Domain-0", () => {
    const view = withHost();
    view.onDomainEvent(domainEvent("h1", "created", 9, "stale"));
    view.syncDomains("h1", [
      guestDomainInfo(0, { name: "Domain-0", memoryMib: 256 }),
      guestDomainInfo(3, { name: "web", memoryMib: 128 }),
    ]);
    const entry = view.hosts.get("h1");
    expect([...(entry?.domains.values() ?? [])].map((d) => d.name)).toEqual(["web"]);
    expect(entry?.synced).toBe(true);
  });

  it("syncDomains makes no copies of the list on the way (a sweep lists every host)", () => {
    const view = withHost();
    const domains = [guestDomainInfo(0, { name: "Domain-0", memoryMib: 256 })];
    const { filter, map } = Array.prototype;
    let copyCount = 0;
    const counted = <F extends (...args: never[]) => unknown>(method: F): F =>
      function (this: unknown, ...args: Parameters<F>) {
        copyCount++;
        return method.apply(this, args);
      } as F;
    Object.assign(Array.prototype, { filter: counted(filter), map: counted(map) });
    try {
      view.syncDomains("h1", domains);
    } finally {
      Object.assign(Array.prototype, { filter, map });
    }
    expect(copyCount, "filter and map calls").toBe(0);
    expect(view.hosts.get("h1")?.domains.size).toBe(0);
  });

  it("domain events add and update domains, destroyed, migrated-out and fenced remove them", () => {
    const view = withHost();
    view.onDomainEvent(domainEvent("h1", "created", 3, "web"));
    expect(view.findDomain("web")?.host.hostId).toBe("h1");
    expect(view.findDomain("uuid-web")?.domain.domid).toBe(3);
    view.onDomainEvent({ ...domainEvent("h1", "renamed", 3, "www"), uuid: "uuid-web", memoryKib: 65536 });
    expect(view.findDomain("web")).toBeUndefined();
    expect(view.findDomain("www")?.domain.memoryKib).toBe(65536);
    view.onDomainEvent({ ...domainEvent("h1", "destroyed", 3, "www"), uuid: "uuid-web" });
    expect(view.findDomain("www")).toBeUndefined();
    view.onDomainEvent(domainEvent("h2", "created", 1, "db"));
    view.onDomainEvent(domainEvent("h2", "migrated-out", 1, "db"));
    expect(view.findDomain("db")).toBeUndefined();
    view.onDomainEvent(domainEvent("h2", "created", 2, "ci"));
    view.onDomainEvent(domainEvent("h2", "fenced", 2, "ci"));
    expect(view.findDomain("ci"), "a fenced guest is gone from its host").toBeUndefined();
  });

  it("a destroyed event for an older domid of the same uuid keeps the new one", () => {
    const view = withHost();
    view.onDomainEvent(domainEvent("h1", "created", 4, "web"));
    view.onDomainEvent(domainEvent("h1", "destroyed", 3, "web"));
    expect(view.findDomain("web")?.domain.domid).toBe(4);
  });

  it("ignores events from unknown hosts and finds domains only on hosts that are up", () => {
    const view = withHost();
    view.onDomainEvent(domainEvent("h9", "created", 1, "ghost"));
    expect(view.findDomain("ghost")).toBeUndefined();
    view.onDomainEvent(domainEvent("h1", "created", 1, "web"));
    view.onHeartbeat(beat("h2", 1), 1000);
    expect(view.expire(1000).map((h) => h.hostId)).toEqual(["h1"]);
    expect(view.findDomain("web")).toBeUndefined();
  });
});

describe("ClusterView claims", () => {
  const FREE_KIB = 1_000_000;
  const start = () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 10, { freeMemoryKib: FREE_KIB, vcpusAllocated: 2, domainCount: 3 }), 0);
    return view;
  };
  const free = (view: ClusterView) => view.hosts.get("h1")?.heartbeat.freeMemoryKib;

  it("counts a placement against the host at once", () => {
    const view = start();
    view.claim("h1", 300_000, 2);
    expect(view.hosts.get("h1")?.heartbeat).toMatchObject({
      freeMemoryKib: FREE_KIB - 300_000,
      vcpusAllocated: 4,
      domainCount: 4,
    });
    expect(view.hosts.get("h1")?.reported.freeMemoryKib).toBe(FREE_KIB);
  });

  it("ends with the first heartbeat after the host's created event: memory is never counted twice", () => {
    const view = start();
    const claim = view.claim("h1", 300_000, 1, "uuid-new");
    view.onDomainEvent({ ...domainEvent("h1", "created", 5, "new"), uuid: "uuid-new" });
    expect(free(view), "the last heartbeat predates the domain").toBe(FREE_KIB - 300_000);
    view.onHeartbeat(beat("h1", 11, { freeMemoryKib: FREE_KIB - 300_000 }), 200);
    expect(free(view), "this heartbeat counts it: the claim is gone").toBe(FREE_KIB - 300_000);
    claim.settle(); // the gRPC reply, later than the event
    view.onHeartbeat(beat("h1", 12, { freeMemoryKib: FREE_KIB - 300_000 }), 400);
    expect(free(view)).toBe(FREE_KIB - 300_000);
  });

  it("outlives heartbeats that may predate the placement, not the second one after it settled", () => {
    const view = start();
    const claim = view.claim("h1", 300_000, 1);
    view.onHeartbeat(beat("h1", 11, { freeMemoryKib: FREE_KIB }), 200);
    expect(free(view), "under way: still counted").toBe(FREE_KIB - 300_000);
    claim.settle();
    view.onHeartbeat(beat("h1", 12, { freeMemoryKib: FREE_KIB }), 400);
    expect(free(view), "sent before the create finished, perhaps").toBe(FREE_KIB - 300_000);
    view.onHeartbeat(beat("h1", 13, { freeMemoryKib: FREE_KIB - 300_000 }), 600);
    expect(free(view), "the host reports it now: counted once").toBe(FREE_KIB - 300_000);
    view.onHeartbeat(beat("h1", 14, { freeMemoryKib: FREE_KIB - 300_000 }), 800);
    expect(free(view)).toBe(FREE_KIB - 300_000);
  });

  it("stops counting a released placement at once", () => {
    const view = start();
    const failed = view.claim("h1", 300_000, 1);
    view.claim("h1", 100_000, 1);
    failed.release();
    failed.release();
    expect(free(view)).toBe(FREE_KIB - 100_000);
  });

  it("a host that restarted starts without claims", () => {
    const view = start();
    view.claim("h1", 300_000, 1);
    view.onHeartbeat(beat("h1", 0, { freeMemoryKib: FREE_KIB }), 200);
    expect(free(view)).toBe(FREE_KIB);
    expect(() => view.claim("h9", 1, 1)).toThrow(/no host h9/);
  });
});

describe("ClusterView claims and heartbeats together", () => {
  it("does not look at a host's claims for a heartbeat while it has none, and does while it has", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 1), 0);
    const absorb = vi.spyOn(HostClaims.prototype, "absorb");
    const apply = vi.spyOn(HostClaims.prototype, "apply");
    try {
      view.onHeartbeat(beat("h1", 2), 200);
      expect(absorb).not.toHaveBeenCalled();
      expect(apply).not.toHaveBeenCalled();
      const claim = view.claim("h1", 1000, 1);
      claim.settle();
      apply.mockClear();
      view.onHeartbeat(beat("h1", 3), 400);
      expect(absorb).toHaveBeenCalledTimes(1);
      expect(apply).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("stores each heartbeat of a host without claims in its entry once, as its report", () => {
    const view = new ClusterView(3);
    view.onHeartbeat(beat("h1", 1), 0);
    const second = beat("h1", 2);
    view.onHeartbeat(second, 200);
    const entry = view.hosts.get("h1")!;
    const stored = () => Object.values(entry).filter((value) => value === second).length;
    expect(entry.heartbeat).toBe(second);
    expect(entry.reported).toBe(second);
    expect(stored()).toBe(1);
    const claim = view.claim("h1", 1000, 1);
    expect(entry.heartbeat).not.toBe(second);
    claim.release();
    expect(entry.heartbeat).toBe(second);
    expect(stored()).toBe(1);
  });

  it("keeps each host's heartbeat its report less its claims through any mix of claims, events and heartbeats", () => {
    const prng = new Prng(7);
    const view = new ClusterView(3);
    let sequence = 0;
    view.onHeartbeat(beat("h1", sequence), 0);
    const open: { claim: PlacementClaim; uuid: string }[] = [];
    for (let step = 0; step < 2000; step++) {
      const action = prng.nextInt(5);
      if (action === 0 && open.length < 6) {
        const uuid = `uuid-${step}`;
        open.push({ claim: view.claim("h1", 1 + prng.nextInt(100_000), 1 + prng.nextInt(4), uuid), uuid });
      } else if (action === 1 && open.length > 0) open[prng.nextInt(open.length)]!.claim.settle();
      else if (action === 2 && open.length > 0) open.splice(prng.nextInt(open.length), 1)[0]!.claim.release();
      else if (action === 3 && open.length > 0) {
        const { uuid } = open[prng.nextInt(open.length)]!;
        view.onDomainEvent({ ...domainEvent("h1", "created", 5, uuid), uuid });
      } else view.onHeartbeat(beat("h1", ++sequence), sequence * INTERVAL_MS);
      const entry = view.hosts.get("h1")!;
      // At rest every claim outlives the last heartbeat: absorbing it again drops none.
      const claimed = entry.claims.apply(entry.reported);
      entry.claims.absorb(entry.reported.sequence);
      expect(entry.claims.apply(entry.reported), `step ${step}`).toEqual(claimed);
      expect(entry.heartbeat, `step ${step}`).toEqual(claimed);
    }
  });
});
