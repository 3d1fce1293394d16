import { describe, expect, it } from "vitest";
import { SimulatedClock, timerOfSetTimer, type Clock, type ClockTimer } from "../core/clock.js";
import { HA_OFF_ROUND_RENEW_INTERVAL_COUNT, LeaseKeeper } from "./lease-keeper.js";
import type { Statefile } from "../contracts/statefile.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import type { FenceScope, HaGuests } from "./ha-guests.js";
import { HA_CONFIG_KEY, leaseKey, leaseTiming, parseLease } from "../contracts/lease.js";

const T_MS = 3000;
const timing = leaseTiming(T_MS);

/** A host's clock whose timers wait while the host is stalled (SIGSTOP), as the OS does. */
class StallableClock implements Clock {
  stalled = false;
  private queued: (() => void)[] = [];
  constructor(private readonly base: SimulatedClock) {}
  nowNs(): bigint {
    return this.base.nowNs();
  }
  nowMs(): number {
    return this.base.nowMs();
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    return this.base.setTimer(delayMs, () => (this.stalled ? this.queued.push(fn) : fn()));
  }
  timer(fn: () => void): ClockTimer {
    return timerOfSetTimer(this, fn);
  }
  wake(): void {
    this.stalled = false;
    const queued = this.queued;
    this.queued = [];
    for (const fn of queued) fn();
  }
}

/** What HA did to one host's guests, in order, with the guest ticks between. */
class RecordingGuests implements HaGuests {
  readonly actions: string[] = [];
  hold() {
    this.actions.push("hold");
    return ["g"];
  }
  release() {
    this.actions.push("release");
    return ["g"];
  }
  fence(which: FenceScope = "protected") {
    this.actions.push(which === "every guest" ? "fence every guest" : "fence");
    return ["g"];
  }
}

interface SimHost {
  id: string;
  clock: StallableClock;
  keeper: LeaseKeeper;
  guests: RecordingGuests;
  /** The link to the statefile is cut. */
  statefileCut: boolean;
  /** The links to every peer are cut. */
  peersCut: boolean;
  ticks: number;
}

function cuttable(statefile: Statefile, isCut: () => boolean): Statefile {
  const reach = <T>(fn: () => Promise<T>) => (isCut() ? Promise.reject(new Error("cut")) : fn());
  return {
    read: (key) => reach(() => statefile.read(key)),
    readAll: (prefix) => reach(() => statefile.readAll(prefix)),
    put: (key, value) => reach(() => statefile.put(key, value)),
    update: (key, value, revision) => reach(() => statefile.update(key, value, revision)),
    create: (key, value) => reach(() => statefile.create(key, value)),
    remove: (key) => reach(() => statefile.remove(key)),
    // A push lost while cut, as a KV watch's message is.
    watch: (key, onChange) => statefile.watch(key, (entry) => (isCut() ? undefined : onChange(entry))),
  };
}

async function startCluster(haEnabled: boolean, ids = ["h1", "h2", "h3"]) {
  const clock = new SimulatedClock();
  const statefile = new MemoryStatefile();
  await statefile.put(HA_CONFIG_KEY, JSON.stringify({ enabled: haEnabled, timeoutMs: T_MS }));
  const hosts = new Map<string, SimHost>();
  for (const id of ids) {
    const hostClock = new StallableClock(clock);
    const guests = new RecordingGuests();
    const host: SimHost = {
      id,
      clock: hostClock,
      guests,
      statefileCut: false,
      peersCut: false,
      ticks: 0,
    } as SimHost;
    host.keeper = new LeaseKeeper({
      hostId: id,
      address: () => id,
      clock: hostClock,
      statefile: cuttable(statefile, () => host.statefileCut),
      ping: (address) => {
        const peer = hosts.get(address);
        const ok = peer !== undefined && !peer.clock.stalled && !peer.peersCut && !host.peersCut;
        if (ok) peer.keeper.notePeer(id, id);
        return Promise.resolve(ok ? peer.keeper.view.reaches(clock.nowMs()) : undefined);
      },
      guests,
      log: () => undefined,
      epoch: `epoch-${id}`,
    });
    hosts.set(id, host);
  }
  for (const host of hosts.values()) {
    host.keeper.start();
    const tick = () => {
      host.keeper.guard();
      host.ticks++;
      host.guests.actions.push("tick");
      host.clock.setTimer(100, tick);
    };
    host.clock.setTimer(100, tick);
  }
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 20) {
      clock.advanceMs(20);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  // Leases created, then pings both ways: a few rounds.
  await run(6 * timing.renewIntervalMs);
  const host = (id: string) => hosts.get(id) as SimHost;
  const actions = (id: string) => host(id).guests.actions.filter((a) => a !== "tick");
  return { clock, statefile, hosts, host, actions, run };
}

describe("LeaseKeeper on the simulated clock (docs/specs/ha.md §4)", () => {
  it("renews its lease with the peers it sees", async () => {
    const c = await startCluster(true);
    const lease = parseLease((await c.statefile.read(leaseKey("h1")))?.value ?? "");
    expect(lease?.state).toBe("live");
    expect(lease?.sees).toEqual(["h2", "h3"]);
  });

  it("loses the statefile for 20 × T with HA on: nothing held, nothing fenced (survival rule 2)", async () => {
    const c = await startCluster(true);
    for (const host of c.hosts.values()) host.statefileCut = true;
    await c.run(20 * T_MS);
    for (const id of ["h1", "h2", "h3"]) expect(c.actions(id), id).toEqual([]);
  });

  it("HA off: a host cut from everything and stalled keeps its guests", async () => {
    const c = await startCluster(false);
    const h1 = c.host("h1");
    h1.statefileCut = h1.peersCut = true;
    await c.run(5 * T_MS);
    h1.clock.stalled = true;
    await c.run(5 * T_MS);
    h1.clock.wake();
    await c.run(T_MS);
    expect(c.actions("h1")).toEqual([]);
  });

  it("cut from its peers but not the statefile: stops renewing and fences only itself, before T + margin", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    const before = (await c.statefile.read(leaseKey("h1")))?.revision ?? 0;
    h1.peersCut = true;
    let fencedAtMs: number | undefined;
    const cutAtMs = c.clock.nowMs();
    for (let t = 0; t < 3 * T_MS && fencedAtMs === undefined; t += 100) {
      await c.run(100);
      if (c.actions("h1").includes("fence")) fencedAtMs = c.clock.nowMs();
    }
    expect(fencedAtMs).toBeDefined();
    const lastRenewal = (await c.statefile.read(leaseKey("h1")))?.revision ?? 0;
    expect(lastRenewal).toBeGreaterThan(before);
    expect((fencedAtMs ?? 0) - cutAtMs).toBeLessThan(T_MS + timing.restartMarginMs);
    expect(c.actions("h2")).toEqual([]);
    expect(c.actions("h3")).toEqual([]);
  });

  it("cut from everything: fences once its lease lapsed outside the majority", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.statefileCut = h1.peersCut = true;
    await c.run(T_MS + timing.isolationConfirmMs + 200);
    expect(c.actions("h1")).toContain("fence");
    expect(c.actions("h2")).toEqual([]);
  });

  it("woken from a stall past T with its lease revoked: holds before any tick, then fences", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.clock.stalled = true;
    await c.run(2 * T_MS);
    const entry = await c.statefile.read(leaseKey("h1"));
    const lease = parseLease(entry?.value ?? "");
    await c.statefile.update(
      leaseKey("h1"),
      JSON.stringify({ ...lease, state: "revoked" }),
      entry?.revision ?? 0,
    );
    const ticksBefore = h1.guests.actions.length;
    h1.clock.wake();
    await c.run(2 * timing.renewIntervalMs);
    const after = h1.guests.actions.slice(ticksBefore);
    expect(after[0], "the first thing after waking").toBe("hold");
    expect(after).toContain("fence");
    expect(after.indexOf("fence")).toBeLessThan(after.lastIndexOf("tick") + 1);
  });

  it("woken from a stall past T with its lease intact: holds, then releases once renewed", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.clock.stalled = true;
    await c.run(2 * T_MS);
    h1.clock.wake();
    await c.run(3 * timing.renewIntervalMs);
    expect(c.actions("h1")).toEqual(["hold", "release"]);
  });

  it("woken from a stall that began outside the majority: the sleep is not counted as isolation", async () => {
    // Found by the VOPR's wiring (services/sim): minority time was wall time, so a host briefly
    // unseen before a stall fenced the moment it woke, though its peers saw it again at once.
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.peersCut = true;
    await c.run(timing.peerSeenWindowMs + timing.renewIntervalMs / 2);
    h1.clock.stalled = true;
    h1.peersCut = false;
    await c.run(2 * T_MS);
    h1.clock.wake();
    await c.run(3 * timing.renewIntervalMs);
    expect(c.actions("h1")).toEqual(["hold", "release"]);
  });

  it("refuses to let a protected guest run again while it holds or its lease is unconfirmed (§4 rule 8)", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    expect(h1.keeper.unpauseRefusal(), "lease renewed").toBeUndefined();
    // Cut from the statefile only: its peers see it, it runs on, but its lease is not confirmed.
    h1.statefileCut = true;
    await c.run(T_MS + 200);
    expect(h1.keeper.isHolding).toBe(false);
    expect(h1.keeper.unpauseRefusal()).toMatch(/^its HA lease was last renewed \d+ ms ago$/);
    h1.statefileCut = false;
    await c.run(2 * timing.renewIntervalMs);
    expect(h1.keeper.unpauseRefusal(), "renewed again").toBeUndefined();
    // Woken from a stall past T: it holds until a renewal succeeds.
    h1.clock.stalled = true;
    await c.run(2 * T_MS);
    h1.clock.wake();
    expect(h1.keeper.isHolding).toBe(true);
    expect(h1.keeper.unpauseRefusal()).toMatch(
      /^it holds its protected guests: its HA lease was last renewed \d+ ms ago, outside the majority of its peers$/,
    );
    await c.run(3 * timing.renewIntervalMs);
    expect(c.actions("h1")).toEqual(["hold", "release"]);
    expect(h1.keeper.unpauseRefusal(), "released").toBeUndefined();
  });

  it("holds again, while it holds, what a migration gave back (§4 rule 9); nothing when it does not hold", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.keeper.holdAgain();
    expect(c.actions("h1"), "not holding").toEqual([]);
    h1.clock.stalled = true;
    await c.run(2 * T_MS);
    h1.clock.wake();
    expect(h1.keeper.isHolding).toBe(true);
    h1.keeper.holdAgain();
    expect(c.actions("h1")).toEqual(["hold", "hold"]);
  });

  it("a stall shorter than T changes nothing", async () => {
    const c = await startCluster(true);
    const h1 = c.host("h1");
    h1.clock.stalled = true;
    await c.run(T_MS / 2);
    h1.clock.wake();
    await c.run(3 * T_MS);
    expect(c.actions("h1")).toEqual([]);
  });
});

describe("LeaseKeeper with HA off (docs/specs/ha.md §3)", () => {
  /** h1 alone, HA off, counting its reads of the setting and the renewals of its lease. */
  async function offHost() {
    const c = await startCluster(false, ["h1"]);
    const reads: number[] = [];
    const renewals: number[] = [];
    const read = c.statefile.read.bind(c.statefile);
    const update = c.statefile.update.bind(c.statefile);
    c.statefile.read = (key) => {
      if (key === HA_CONFIG_KEY) reads.push(c.clock.nowMs());
      return read(key);
    };
    c.statefile.update = (key, value, revision) => {
      if (key === leaseKey("h1")) renewals.push(c.clock.nowMs());
      return update(key, value, revision);
    };
    const enable = () => c.statefile.put(HA_CONFIG_KEY, JSON.stringify({ enabled: true, timeoutMs: T_MS }));
    return { c, reads, renewals, enable };
  }

  it("reads the setting and renews its lease every few renew intervals, well within ha-enable's T + T/2", async () => {
    const { c, reads, renewals } = await offHost();
    await c.run(4 * HA_OFF_ROUND_RENEW_INTERVAL_COUNT * timing.renewIntervalMs);
    // One round (a read and a renewal) every HA_OFF_ROUND_RENEW_INTERVAL_COUNT renew intervals.
    expect(reads).toHaveLength(4);
    expect(renewals).toHaveLength(4);
    const gapsMs = renewals.slice(1).map((ms, i) => ms - renewals[i]!);
    expect(gapsMs).toEqual([1, 2, 3].map(() => HA_OFF_ROUND_RENEW_INTERVAL_COUNT * timing.renewIntervalMs));
    expect(HA_OFF_ROUND_RENEW_INTERVAL_COUNT * timing.renewIntervalMs).toBeLessThan(
      1.5 * T_MS - timing.renewIntervalMs,
    );
  });

  it("learns from the watch that HA came on, at once, and renews every renew interval from then on", async () => {
    const { c, reads, renewals, enable } = await offHost();
    await enable();
    await c.run(20);
    expect(reads).toHaveLength(1);
    expect(renewals).toHaveLength(1);
    expect(c.host("h1").keeper.haConfig.enabled).toBe(true);
    await c.run(3 * timing.renewIntervalMs);
    expect(renewals).toHaveLength(4);
  });

  it("declared dead while cut from the store (docs/specs/ha.md §7): fences every guest at its first renewal after, then rejoins", async () => {
    const { c } = await offHost();
    const h1 = c.host("h1");
    h1.statefileCut = true;
    await c.run(T_MS);
    const entry = await c.statefile.read(leaseKey("h1"));
    const lease = parseLease(entry?.value ?? "");
    const dead = { ...lease, state: "revoked", revokedBy: "scheduler.0", declaredDead: true };
    await c.statefile.update(leaseKey("h1"), JSON.stringify(dead), entry?.revision ?? 0);
    await c.run(T_MS);
    expect(c.actions("h1"), "nothing while it cannot read the store").toEqual([]);
    h1.statefileCut = false;
    await c.run(2 * timing.renewIntervalMs);
    expect(c.actions("h1")).toEqual(["fence every guest"]);
    const after = parseLease((await c.statefile.read(leaseKey("h1")))?.value ?? "");
    expect(after?.state, "a new lease under a new epoch").toBe("live");
    expect(after?.epoch).toBe("epoch-h1.1");
    expect(after?.declaredDead).toBeUndefined();
  });

  it("a change the watch missed (cut from the store when written) is read by the next round", async () => {
    const { c, enable, renewals } = await offHost();
    c.host("h1").statefileCut = true;
    await enable();
    await c.run(20);
    c.host("h1").statefileCut = false;
    expect(c.host("h1").keeper.haConfig.enabled).toBe(false);
    await c.run(HA_OFF_ROUND_RENEW_INTERVAL_COUNT * timing.renewIntervalMs);
    expect(c.host("h1").keeper.haConfig.enabled).toBe(true);
    const after = renewals.length;
    await c.run(2 * timing.renewIntervalMs);
    expect(renewals.length).toBe(after + 2);
  });
});
