import { describe, it, expect } from "vitest";
import { planRebalance, REBALANCE_HIGH_PERCENT_DEFAULT, REBALANCE_LOW_PERCENT_DEFAULT } from "./rebalance.js";
import { Scheduler } from "./scheduler.js";
import type { HostGateway } from "./host-gateway.js";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { MemoryBus } from "../transport/bus/memory-bus.js";
import { MemoryStore } from "../contracts/state-store.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import { guestDomainInfo, type RigGuest } from "../sim/scheduler-rig.js";

const HIGH = REBALANCE_HIGH_PERCENT_DEFAULT;
const LOW = REBALANCE_LOW_PERCENT_DEFAULT;
const HOST_MEMORY_KIB = 1000 * 1024;

/** planRebalance only reads the view: a scheduler whose hosts are never called. */
const NO_CALLS: HostGateway = {
  list: () => Promise.reject(new Error("planRebalance calls no host")),
  create: () => Promise.reject(new Error("planRebalance calls no host")),
  migrate: () => Promise.reject(new Error("planRebalance calls no host")),
};

/**
 * A scheduler's view of hosts of 1000 MiB and many pCPUs (memory decides), no Domain-0 memory,
 * each with the guests given (MiB), as their heartbeats and Lists would report them.
 */
function cluster(
  layout: Record<string, ReadonlyArray<number | RigGuest>>,
  specs: Partial<Record<string, { pcpus?: number; hvm?: boolean }>> = {},
): Scheduler {
  const scheduler = new Scheduler({
    clock: new SimulatedClock(),
    prng: new Prng(1),
    bus: new MemoryBus(),
    store: new MemoryStore(),
    gateway: NO_CALLS,
  });
  for (const [hostId, guests] of Object.entries(layout)) {
    const domains = guests.map((guest, i) =>
      guestDomainInfo(
        i + 1,
        typeof guest === "number" ? { name: `${hostId}-${guest}-${i}`, memoryMib: guest } : guest,
      ),
    );
    const beat: Heartbeat = {
      hostId,
      address: `sim://${hostId}`,
      sequence: 0,
      timeMs: 0,
      pcpus: specs[hostId]?.pcpus ?? 64,
      hvm: specs[hostId]?.hvm ?? true,
      totalMemoryKib: HOST_MEMORY_KIB,
      freeMemoryKib: HOST_MEMORY_KIB - domains.reduce((sum, d) => sum + d.memoryKib, 0),
      domainCount: domains.length + 1,
      vcpusAllocated: domains.reduce((sum, d) => sum + d.vcpusOnline, 0),
      migrationsOutbound: 0,
      migrationsInbound: 0,
      intervalMs: 1000,
    };
    scheduler.view.onHeartbeat(beat, 0);
    scheduler.view.syncDomains(hostId, domains);
  }
  return scheduler;
}

const moves = (scheduler: Scheduler, high = HIGH, low = LOW) =>
  planRebalance(scheduler, high, low).map((m) => `${m.domain}: ${m.fromHostId} -> ${m.toHostId}`);

describe("planRebalance", () => {
  it("moves nothing in a balanced cluster", () => {
    const scheduler = cluster({ h1: [500], h2: [300, 300], h3: [550] });
    expect(moves(scheduler)).toEqual([]);
  });

  it("an overloaded host sheds its smallest domains, each to the fullest host it fits under the mark", () => {
    const scheduler = cluster({ h1: [350, 100, 300, 200], h2: [600], h3: [500] });
    expect(moves(scheduler)).toEqual(["h1-100-1: h1 -> h2"]);
    const plan = planRebalance(scheduler, HIGH, LOW);
    expect(plan[0]?.reason).toBe(`h1 over ${HIGH} %`);
  });

  it("sheds as many as it takes, and none that would push a target over the mark", () => {
    const scheduler = cluster({ h1: [400, 60, 80, 420], h2: [820], h3: [700] });
    // 96 % -> without 60: 90 % (not over): one move, to h2 (88 % after), the fuller host it fits.
    expect(moves(scheduler)).toEqual(["h1-60-1: h1 -> h2"]);
    const tighter = cluster({ h1: [400, 60, 80, 420], h2: [850], h3: [700] });
    // Mark 85 %: h2 + 60 = 91 % is too full; h3 takes 60, then 80, until h1 is at 82 %.
    expect(moves(tighter, 85)).toEqual(["h1-60-1: h1 -> h3", "h1-80-2: h1 -> h3"]);
  });

  it("empties an underused host when all its domains fit elsewhere", () => {
    const scheduler = cluster({ h1: [100, 100], h2: [600], h3: [700] });
    expect(moves(scheduler)).toEqual(["h1-100-0: h1 -> h3", "h1-100-1: h1 -> h3"]);
    expect(planRebalance(scheduler, HIGH, LOW)[0]?.reason).toBe(`h1 under ${LOW} %: consolidate`);
  });

  it("leaves an underused host alone when one of its domains fits nowhere", () => {
    const scheduler = cluster({ h1: [50, 250], h2: [850], h3: [] });
    expect(moves(scheduler)).toEqual([]);
  });

  it("sends HVM domains only to HVM hosts", () => {
    const scheduler = cluster(
      { h1: [{ name: "win", memoryMib: 100, type: "hvm" }, 400, 450], h2: [700], h3: [500] },
      { h2: { hvm: false } },
    );
    expect(moves(scheduler)).toEqual(["win: h1 -> h3"]);
  });

  it("counts vCPUs per pCPU as load", () => {
    const scheduler = cluster(
      {
        h1: [
          { name: "busy", memoryMib: 100, vcpus: 3 },
          { name: "small", memoryMib: 50, vcpus: 1 },
        ],
        h2: [{ name: "other", memoryMib: 400, vcpus: 1 }],
      },
      { h1: { pcpus: 4 }, h2: { pcpus: 4 } },
    );
    // h1: 4 vCPUs on 4 pCPUs = 100 %; shedding "small" (smallest memory) brings it to 75 %.
    expect(moves(scheduler)).toEqual(["small: h1 -> h2"]);
  });

  it("neither moves from nor onto a disabled host", async () => {
    const scheduler = cluster({ h1: [350, 100, 300, 200], h2: [600], h3: [500] });
    await scheduler.setHostEnabled("h2", false);
    expect(moves(scheduler)).toEqual(["h1-100-1: h1 -> h3"]);
    await scheduler.setHostEnabled("h1", false);
    expect(moves(scheduler)).toEqual([]);
  });
});
