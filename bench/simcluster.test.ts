import { describe, expect, it } from "vitest";
import {
  BUSY_WORKLOADS,
  eventsPerHostPerSecond,
  guestPlan,
  runBusyCluster,
  runIdleCluster,
  type BusyClusterOptions,
} from "./simcluster.js";
import {
  censusRows,
  idleCeilingRows,
  idleHostCost,
  idleRunRows,
  ownSecondsRows,
  youngGenerationRows,
} from "./simcluster-idle.js";

// bench:simcluster's logic at a tiny size, so it cannot rot: outcomes only, never speed.
const TINY: BusyClusterOptions = {
  seed: 4,
  hostCount: 3,
  domainCount: 12,
  domainMemoryMib: 16,
  busyEvery: 2,
  simulatedMs: 4000,
  migrationIntervalMs: 1000,
};

describe("bench:simcluster", () => {
  it("spreads guests and busy guests over every host", () => {
    const plan = guestPlan(TINY);
    expect(plan).toHaveLength(12);
    expect(new Set(plan.map((guest) => guest.name)).size).toBe(12);
    for (const hostId of ["h1", "h2", "h3"]) {
      const here = plan.filter((guest) => guest.hostId === hostId);
      expect(here).toHaveLength(4);
      expect(here.filter((guest) => guest.workload !== "idle")).toHaveLength(2);
    }
    expect(new Set(plan.map((guest) => guest.workload))).toEqual(new Set(["idle", ...BUSY_WORKLOADS]));
  });

  it("runs the simulated time asked, migrates guests live and keeps idle guests' memory", async () => {
    const figures = await runBusyCluster(TINY);
    expect(figures.simulatedMs).toBe(TINY.simulatedMs);
    expect(figures.migrationCountStarted).toBeGreaterThan(0);
    expect(figures.migrationCountStarted).toBeLessThanOrEqual(TINY.simulatedMs / TINY.migrationIntervalMs);
    expect(figures.migrationCountCompleted).toBeGreaterThan(0);
    expect(figures.migrationCountFailed).toBe(0);
    expect(figures.idleGuestCount).toBe(6);
    expect(figures.idleChecksumCountSame).toBe(figures.idleGuestCount);
    expect(figures.timerCountFired).toBeGreaterThan(0);
  });

  it("runs a warm-up with the same load first, leaves it out of the measured figures and reports it apart", async () => {
    const figures = await runBusyCluster({ ...TINY, simulatedMs: 2000, warmupMs: 2000 });
    expect(figures.simulatedMs).toBe(2000);
    expect(figures.warmup?.simulatedMs).toBe(2000);
    expect(figures.warmup?.wallMs).toBeGreaterThan(0);
    // Migrations start through the warm-up too: one an interval over both parts.
    expect(figures.migrationCountStarted).toBeGreaterThan(2);
    expect(figures.migrationCountStarted).toBeLessThanOrEqual(4);
    expect(figures.migrationCountFailed).toBe(0);
    expect(figures.idleChecksumCountSame).toBe(figures.idleGuestCount);
    const cold = await runBusyCluster({ ...TINY, simulatedMs: 2000 });
    expect(figures.warmup).toBeDefined();
    expect(cold.warmup).toBeUndefined();
  });

  it("gives the same simulated outcome for the same seed", async () => {
    const outcome = async () => {
      const f = await runBusyCluster({ ...TINY, simulatedMs: 2000 });
      return [f.migrationCountStarted, f.migrationCountCompleted, f.timerCountFired, f.idleChecksumCountSame];
    };
    expect(await outcome()).toEqual(await outcome());
  });

  it("runs idle hosts for the simulated time asked", async () => {
    const figures = await runIdleCluster(5, 4, 3000);
    expect(figures.simulatedMs).toBe(3000);
    expect(figures.timerCountFired).toBeGreaterThan(0);
    expect(figures.warmup).toBeUndefined();
  });

  it("runs a warm-up first and leaves it out of the figures, which it reports apart", async () => {
    const cold = await runIdleCluster(5, 4, 3000);
    const warm = await runIdleCluster(5, 4, 3000, { warmupMs: 2000 });
    expect(warm.simulatedMs).toBe(3000);
    expect(warm.warmup?.simulatedMs).toBe(2000);
    expect(warm.warmup?.wallMs).toBeGreaterThan(0);
    // The start's events (first heartbeats, first statefile reads, first syncs) are in the warm-up.
    expect(warm.messageCountSent).toBeLessThan(cold.messageCountSent);
    const rows = idleRunRows("idle", warm, true);
    expect(rows[1]?.figure).toMatch(/warm-up/);
    expect(rows[1]?.detail).toMatch(/not in the rate/);
  });

  it("runs idle hosts' seconds on the shared second, or on their own timers when asked: the same messages, fewer events", async () => {
    const shared = await runIdleCluster(5, 4, 14_000, { warmupMs: 3000 });
    const own = await runIdleCluster(5, 4, 14_000, { warmupMs: 3000, ownSeconds: true });
    expect(own.sharedSecondCount).toBe(0);
    // 4 hosts x 14 s, every second a repeat but those of a lease round (it moves listVersion).
    expect(shared.sharedSecondCount).toBeGreaterThan(40);
    expect(shared.sharedSecondCount).toBeLessThanOrEqual(4 * 14);
    expect(shared.messageCountSent).toBe(own.messageCountSent);
    expect(eventsPerHostPerSecond(shared)).toBeLessThan(eventsPerHostPerSecond(own));
    const census = (await runIdleCluster(5, 4, 14_000, { warmupMs: 3000, census: true })).census ?? [];
    const causes = census.map((row) => `${row.type} ${row.cause}`);
    expect(causes).toContain("relay Host.repeatSecond (host/host.ts)");
    expect(causes).toContain("timer SharedSecondTicker.arm (sim/shared-second.ts)");
  });

  it("an idle host costs a few events per simulated second, not one per peer (no N² pings with HA off)", async () => {
    const few = eventsPerHostPerSecond(await runIdleCluster(5, 8, 20_000));
    const many = eventsPerHostPerSecond(await runIdleCluster(5, 24, 20_000));
    // Per host: its once-a-second timer (heartbeat, CPU sampling), the heartbeat's hop to the broker
    // and on to the scheduler, a lease round every 4 s, the scheduler's reconcile; plus the
    // scheduler's own timers shared by all: 5-6 (it was 17 with 10 hosts and 54 with 100 before).
    expect(few).toBeLessThan(7);
    expect(many).toBeLessThan(6);
    expect(many).toBeLessThanOrEqual(few);
  });
});

/** An idle run's figures, made up: 10 hosts for 20 simulated s in 100 ms, 1,000 events. */
const FIGURES = {
  hostCount: 10,
  simulatedMs: 20_000,
  wallMs: 100,
  cpuMs: 80,
  timerCountFired: 700,
  messageCountRelayed: 300,
  messageCountSent: 600,
  sharedSecondCount: 150,
};

describe("bench:simcluster's idle rows", () => {
  it("derive the cost per host and per event from the measured figures, and label computed rows", () => {
    const idle = FIGURES;
    expect(idleHostCost(idle)).toEqual({
      wallUsPerHostSecond: 500,
      cpuUsPerHostSecond: 400,
      wallUsPerEvent: 100,
    });
    const rows = idleCeilingRows(idle, {
      timerCount: 1,
      heapTimersPerSecond: 2e6,
      simulationTimersPerSecond: 1e6,
    });
    expect(rows.map((row) => row.value)).toEqual(["40000 sim-s/s", "100.00 us/host-s"]);
    for (const row of rows) expect(`${row.figure} ${row.detail}`).toMatch(/computed|not measured/);
    const run = idleRunRows("idle", idle, true);
    expect(run[0]).toMatchObject({ value: "200 sim-s/s", goal: ">= 1000", met: false });
  });

  it("runs idle hosts at another heartbeat interval: fewer events per host", async () => {
    const everySecond = eventsPerHostPerSecond(await runIdleCluster(5, 4, 14_000));
    const everySeven = eventsPerHostPerSecond(
      await runIdleCluster(5, 4, 14_000, { heartbeatIntervalMs: 7000 }),
    );
    expect(everySeven).toBeLessThan(everySecond);
  });

  it("counts every event of an idle run by its cause, and the census adds up to the events counted", async () => {
    const run = await runIdleCluster(5, 4, 14_000, { heartbeatIntervalMs: 7000, census: true });
    const census = run.census ?? [];
    const total = census.reduce((sum, row) => sum + row.count, 0);
    expect(total).toBe(run.timerCountFired + run.messageCountRelayed);
    const causes = census.map((row) => `${row.type} ${row.cause}`);
    expect(causes).toContain("message Host.publishHeartbeat (host/host.ts)");
    expect(causes).toContain("relay Host.publishHeartbeat (host/host.ts)");
    expect(causes.some((cause) => cause.includes("unknown"))).toBe(false);
    const rows = censusRows(run);
    expect(rows[0]?.figure).toMatch(/census run: counted/);
    expect(rows.length).toBeGreaterThan(3);
  });

  it("print the run with each host's own timer a second beside the run", () => {
    const run = { ...FIGURES, maxRssKib: 200_000 };
    const own = { ...run, wallMs: 200, cpuMs: 160, sharedSecondCount: 0 };
    const [row] = ownSecondsRows(own, run);
    expect(row).toMatchObject({
      figure: "  the same with each host's own timer a second",
      value: "100 sim-s/s",
    });
    expect(row?.detail).toContain("800.0 us of CPU (400.0 above)");
    const shares = idleRunRows("idle", run, true).find((r) => r.figure.includes("shared second ran"));
    expect(shares?.value).toBe("75 %");
  });

  it("print a run with another young generation beside its peak RSS", () => {
    const run = { ...FIGURES, maxRssKib: 200_000 };
    const other = { ...run, wallMs: 50, cpuMs: 40, maxRssKib: 250_000 };
    const [row] = youngGenerationRows("node's default young generation", other, run);
    expect(row).toMatchObject({
      figure: "  the same with node's default young generation",
      value: "400 sim-s/s",
    });
    expect(row?.detail).toContain("200.0 us of CPU (400.0 above); peak RSS 256.0 MB (204.8 MB above)");
  });
});
