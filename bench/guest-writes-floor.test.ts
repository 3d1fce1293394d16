import { describe, expect, it } from "vitest";
import { measureGuestWritesFloor } from "./guest-writes-floor.js";
import { type BusyClusterOptions, guestPlan } from "./simcluster.js";

const TINY: BusyClusterOptions = {
  seed: 4,
  hostCount: 2,
  domainCount: 8,
  domainMemoryMib: 4,
  busyEvery: 2,
  simulatedMs: 1000,
  migrationIntervalMs: 1000,
};

describe("bench:simcluster:busy's floor", () => {
  it("runs only the busy guests' workloads, at their full rates, for the simulated time", () => {
    const plan = guestPlan(TINY);
    const floor = measureGuestWritesFloor(TINY, plan);
    expect(floor.guestCount).toBe(plan.filter((guest) => guest.workload !== "idle").length);
    expect(floor.guestCount).toBe(4);
    // Two wws guests (2,000 + 20 pages/s) and two uniform ones (500 pages/s), one second each.
    expect(floor.writeCount).toBe(2 * 2020 + 2 * 500);
    expect(floor.cpuMs).toBeGreaterThanOrEqual(0);
  });
});
