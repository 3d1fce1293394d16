import { describe, expect, it, vi } from "vitest";
import { GuestMemory } from "../services/core/memory/guest-memory.js";
import { HOST_CHUNK_POOL } from "../services/core/memory/page-store.js";
import { measureGuestWritesFloor } from "./guest-writes-floor.js";
import { measureHypervisorFloor } from "./hypervisor-floor.js";
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

describe("bench:simcluster:busy's hypervisor floors", () => {
  it("tick every planned guest's host for the simulated time, writing only when asked", () => {
    const plan = guestPlan(TINY);
    const ticksOnly = measureHypervisorFloor(TINY, plan, false);
    const withWrites = measureHypervisorFloor(TINY, plan, true);
    expect(ticksOnly.guestCount).toBe(8);
    expect(withWrites.guestCount).toBe(8);
    expect(ticksOnly.cpuMs).toBeGreaterThanOrEqual(0);
  });

  it("writes the busy guests' memory only with the writes on, and gives it all back", () => {
    const before = HOST_CHUNK_POOL.byteCountInUse;
    const writtenPages: number[] = [];
    const spy = vi.spyOn(GuestMemory.prototype, "writeU64").mockImplementation(function (this: GuestMemory) {
      writtenPages.push(this.pageCount);
    });
    // The workloads hand their stores over in batches (9dda052): count each store of a batch.
    const batchSpy = vi.spyOn(GuestMemory.prototype, "writeU64Batch").mockImplementation(function (
      this: GuestMemory,
      _stores: Uint32Array,
      storeCount: number,
    ) {
      for (let store = 0; store < storeCount; store += 1) writtenPages.push(this.pageCount);
    });
    try {
      measureHypervisorFloor(TINY, guestPlan(TINY), false);
      expect(writtenPages).toHaveLength(0);
      measureHypervisorFloor(TINY, guestPlan(TINY), true);
      expect(writtenPages).toHaveLength(2 * 2020 + 2 * 500);
      // Ticked ten times less often: the same credit2 events, the same writes.
      writtenPages.length = 0;
      measureHypervisorFloor(TINY, guestPlan(TINY), true, 100);
      expect(writtenPages).toHaveLength(2 * 2020 + 2 * 500);
    } finally {
      spy.mockRestore();
      batchSpy.mockRestore();
    }
    expect(HOST_CHUNK_POOL.byteCountInUse).toBe(before);
  });
});
