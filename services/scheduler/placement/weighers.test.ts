import { describe, expect, it } from "vitest";
import { GIB_IN_KIB, hostState } from "./fixtures.js";
import { normalizeMinMax, weighHosts } from "./weighers.js";

const NONE = { freeMemory: 0, freeVcpus: 0, domainCount: 0, migrationsInFlight: 0 };

describe("weighers", () => {
  it("normalises min-max to 0..1 as nova/weights.py does", () => {
    expect(normalizeMinMax([10, 20, 15])).toEqual([0, 1, 0.5]);
    expect(normalizeMinMax([-4, 4])).toEqual([0, 1]);
  });

  it("normalises equal values, and a single one, to 0", () => {
    expect(normalizeMinMax([7, 7, 7])).toEqual([0, 0, 0]);
    expect(normalizeMinMax([42])).toEqual([0]);
    expect(normalizeMinMax([])).toEqual([]);
  });

  it("multiplies each weigher's normalised value and sums them", () => {
    const hosts = [
      hostState("h1", { memoryFreeKib: 2 * GIB_IN_KIB, pcpuCount: 8, vcpusAllocated: 0 }), // 32 vCPUs free
      hostState("h2", { memoryFreeKib: 6 * GIB_IN_KIB, pcpuCount: 8, vcpusAllocated: 16 }), // 16 free
      hostState("h3", { memoryFreeKib: 4 * GIB_IN_KIB, pcpuCount: 8, vcpusAllocated: 32 }), // 0 free
    ];
    expect(weighHosts(hosts, { ...NONE, freeMemory: 1 }, 4)).toEqual([0, 1, 0.5]);
    expect(weighHosts(hosts, { ...NONE, freeMemory: -2 }, 4)).toEqual([0, -2, -1]);
    expect(weighHosts(hosts, { ...NONE, freeMemory: 1, freeVcpus: 1 }, 4)).toEqual([1, 1.5, 0.5]);
  });

  it("prefers fewer migrations in flight with a negative multiplier, more domains with a positive one", () => {
    const hosts = [
      hostState("h1", { migrationsInFlight: 2, domainCount: 1 }),
      hostState("h2", { domainCount: 5 }),
    ];
    expect(weighHosts(hosts, { ...NONE, migrationsInFlight: -1 }, 4)).toEqual([-1, 0]);
    expect(weighHosts(hosts, { ...NONE, domainCount: 1 }, 4)).toEqual([0, 1]);
  });

  it("skips weighers whose multiplier is 0", () => {
    const hosts = [hostState("h1", { memoryFreeKib: 1 }), hostState("h2", { memoryFreeKib: 9 })];
    expect(weighHosts(hosts, NONE, 4)).toEqual([0, 0]);
  });
});
