import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { createGuest, simScheduler } from "../dom0/migrate/sim-harness.js";
import { MemoryBus } from "../transport/bus/memory-bus.js";
import { MemoryMigrationNetwork } from "../transport/memory/memory-links.js";
import { Host, TICK_INTERVAL_MS } from "./host.js";

const MS_PER_S = 1000;
const NS_PER_MS = 1e6;

function idleHost(withBus = false): { clock: SimulatedClock; host: Host; ticks: () => number } {
  const clock = new SimulatedClock();
  const host = new Host({
    spec: { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 },
    dom0: { memoryMib: 256, vcpus: 1 },
    seed: 5,
    clock,
    engine: simScheduler(clock),
    bus: withBus ? new MemoryBus() : undefined,
    links: new MemoryMigrationNetwork().links("mem:h1"),
    address: () => "mem:h1",
    heartbeatIntervalMs: 1000,
  });
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
});
