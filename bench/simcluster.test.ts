import { describe, expect, it } from "vitest";
import {
  BUSY_WORKLOADS,
  guestPlan,
  runBusyCluster,
  runIdleCluster,
  type BusyClusterOptions,
} from "./simcluster.js";

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
  });
});
