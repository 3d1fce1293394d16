import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { createGuest, simScheduler } from "../dom0/migrate/sim-harness.js";
import { MemoryBus } from "../transport/bus/memory-bus.js";
import { MemoryMigrationNetwork } from "../transport/memory/memory-links.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { HA_CONFIG_KEY } from "../contracts/lease.js";
import { Host, TICK_INTERVAL_MS, type HostOptions } from "./host.js";

const MS_PER_S = 1000;
const NS_PER_MS = 1e6;

function newHost(clock: SimulatedClock, options: Partial<HostOptions>): Host {
  return new Host({
    spec: { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 },
    dom0: { memoryMib: 256, vcpus: 1 },
    seed: 5,
    clock,
    engine: simScheduler(clock),
    bus: undefined,
    links: new MemoryMigrationNetwork().links("mem:h1"),
    address: () => "mem:h1",
    heartbeatIntervalMs: 1000,
    ...options,
  });
}

function idleHost(
  withBus = false,
  heartbeatIntervalMs = 1000,
): { clock: SimulatedClock; host: Host; ticks: () => number } {
  const clock = new SimulatedClock();
  const host = newHost(clock, { bus: withBus ? new MemoryBus() : undefined, heartbeatIntervalMs });
  let tickCount = 0;
  const hypervisor = host.toolstack.hypervisor;
  const tick = hypervisor.tick.bind(hypervisor);
  hypervisor.tick = () => {
    tickCount++;
    tick();
  };
  host.start();
  return { clock, host, ticks: () => tickCount };
}

function cpuSeconds(host: Host, name: string): number {
  const record = host.toolstack.requireDomain(name);
  return host.toolstack.domainOf(record).cpuTimeNs / NS_PER_MS / MS_PER_S;
}

describe("Host ticking driven by work", () => {
  it("a host without guests does not tick at all after its first look, and keeps one timer", () => {
    const { clock, host, ticks } = idleHost(true);
    clock.advanceMs(60 * MS_PER_S);
    expect(ticks()).toBe(1);
    // CPU sampling, the idle look and the heartbeat ride one timer a second.
    expect(clock.pendingTimerCount()).toBe(1);
    host.stop();
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it("an idle guest keeps the host idle and its memory unchanged", () => {
    const { clock, host, ticks } = idleHost();
    const record = createGuest(host.toolstack, "quiet", 16, "idle");
    const checksum = host.toolstack.domainOf(record).memory.checksum();
    clock.advanceMs(10 * MS_PER_S);
    expect(ticks()).toBeLessThanOrEqual(12);
    expect(host.toolstack.domainOf(record).memory.checksum()).toBe(checksum);
    expect(cpuSeconds(host, "quiet")).toBeLessThan(0.001);
  });

  it("a busy guest makes the host tick every TICK_INTERVAL_MS and get its CPU, as before", () => {
    const { clock, host, ticks } = idleHost();
    clock.advanceMs(5 * MS_PER_S);
    const before = ticks();
    createGuest(host.toolstack, "busy", 16, "uniform:rate=1000");
    clock.advanceMs(MS_PER_S);
    expect(ticks() - before).toBe(MS_PER_S / TICK_INTERVAL_MS);
    // One CPU-bound vCPU on 4 pCPUs runs the whole second: none of the idle 5 s before it counts.
    expect(cpuSeconds(host, "busy")).toBeCloseTo(1, 2);
  });

  it("goes back to idle ticking once the guest's work stops, and wakes again when it resumes", () => {
    const { clock, host, ticks } = idleHost();
    createGuest(host.toolstack, "web", 16, "uniform:rate=1000");
    clock.advanceMs(MS_PER_S);
    host.toolstack.pause("web");
    clock.advanceMs(TICK_INTERVAL_MS);
    const pausedAt = ticks();
    const cpuWhenPaused = cpuSeconds(host, "web");
    clock.advanceMs(10 * MS_PER_S);
    expect(ticks() - pausedAt).toBeLessThanOrEqual(1);
    expect(cpuSeconds(host, "web")).toBe(cpuWhenPaused);
    host.toolstack.unpause("web");
    clock.advanceMs(MS_PER_S / 2);
    expect(cpuSeconds(host, "web") - cpuWhenPaused).toBeCloseTo(0.5, 2);
  });

  it("an idle host whose heartbeat does not ride the timer a second wakes only for its heartbeat", () => {
    const { clock, host } = idleHost(true, 7 * MS_PER_S);
    const samples: number[] = [];
    const sample = host.cpuUsage.sample.bind(host.cpuUsage);
    host.cpuUsage.sample = () => {
      samples.push(clock.nowMs());
      sample();
    };
    clock.advanceMs(3 * MS_PER_S);
    const settledAfter = samples.length;
    clock.advanceMs(60 * MS_PER_S);
    // Sampled until a sample changes nothing, then never again while nothing happens.
    expect(samples.length).toBe(settledAfter);
    expect(clock.pendingTimerCount()).toBe(1); // the heartbeat's
    host.stop();
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it("wakes its timer a second, on the same grid, when work arrives, and rests again after", () => {
    const { clock, host, ticks } = idleHost(true, 7 * MS_PER_S);
    clock.advanceMs(10 * MS_PER_S + 250);
    const samples: number[] = [];
    const sample = host.cpuUsage.sample.bind(host.cpuUsage);
    host.cpuUsage.sample = () => {
      samples.push(clock.nowMs());
      sample();
    };
    const record = createGuest(host.toolstack, "busy", 16, "uniform:rate=1000");
    clock.advanceMs(2 * MS_PER_S);
    expect(samples).toEqual([11 * MS_PER_S, 12 * MS_PER_S]);
    expect(host.cpuUsage.percent(record.domid, record.uuid)).toBeCloseTo(100, 0);
    host.toolstack.pause("busy");
    clock.advanceMs(5 * MS_PER_S);
    const restedAt = ticks();
    const sampleCount = samples.length;
    clock.advanceMs(30 * MS_PER_S);
    expect(ticks()).toBe(restedAt);
    expect(samples.length).toBe(sampleCount);
  });

  it("keeps its timer a second running while HA is on: the guard decides by time alone", async () => {
    const clock = new SimulatedClock();
    const statefile = new MemoryStatefile();
    const host = newHost(clock, {
      bus: new MemoryBus(),
      heartbeatIntervalMs: 7 * MS_PER_S,
      statefile,
      ping: () => Promise.resolve(undefined),
    });
    const guards: number[] = [];
    const guard = host.guard.bind(host);
    host.guard = () => {
      guards.push(clock.nowMs());
      guard();
    };
    host.start();
    const settle = async (ms: number) => {
      for (let i = 0; i < ms / 100; i++) {
        clock.advanceMs(100);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await settle(20 * MS_PER_S);
    const offCount = guards.length;
    await settle(10 * MS_PER_S);
    expect(guards.length).toBe(offCount); // HA off: resting, no guard
    await statefile.put(HA_CONFIG_KEY, JSON.stringify({ enabled: true, timeoutMs: 10 * MS_PER_S }));
    await settle(20 * MS_PER_S);
    // Once the host read the setting: a guard every second of the grid, until HA goes off again.
    // (HA's own rounds, every 2 s at T = 10 s, would guard at only 5 instants of the last 10 s.)
    const lastTen = new Set(guards.filter((atMs) => atMs > 40 * MS_PER_S));
    expect(lastTen.size).toBeGreaterThanOrEqual(10);
    host.stop();
  });
});
