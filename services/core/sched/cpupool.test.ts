import { describe, expect, it } from "vitest";
import { Prng } from "../prng.js";
import { XenError } from "../errors.js";
import { demandShape, parseCpuDemandSpec } from "./demand/index.js";
import { CPUPOOL_ID_POOL0, type HostScheduler, formatCpus } from "./host-scheduler.js";
import { cpuSeconds, runFor, testHost } from "./test-host.js";

/** Adds a running CPU-bound domain to a pool, as testHost does for Pool-0. */
function addDomain(host: HostScheduler, domid: number, poolId: number, vcpus = 1): void {
  host.addDomain(domid, {
    vcpuCountMax: vcpus,
    params: { weight: 256, cap: 0 },
    demand: demandShape(parseCpuDemandSpec("cpu")),
    prng: new Prng(7).fork(domid),
    poolId,
  });
  host.setVcpusOnline(domid, vcpus);
  host.setDomainActive(domid, true);
}

/** A pool of `cpus` taken from Pool-0. */
function carve(
  host: HostScheduler,
  cpus: readonly number[],
  scheduler: "credit" | "credit2" = "credit",
): number {
  const poolId = host.createCpupool(scheduler);
  for (const pcpu of cpus) {
    host.unassignCpu(CPUPOOL_ID_POOL0, pcpu);
    host.assignCpu(poolId, pcpu);
  }
  return poolId;
}

function errnoOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof XenError) return error.errno;
    throw error;
  }
  return "no error";
}

describe("CPU pools (xen/common/sched/cpupool.c rules)", () => {
  it("boots with Pool-0 holding every pCPU and no free pCPU", () => {
    const host = testHost("credit2", 4, [{ domid: 0 }]);
    expect(host.cpupools()).toEqual([
      { poolId: 0, scheduler: "credit2", cpus: [0, 1, 2, 3], domainCount: 1 },
    ]);
    expect(host.freeCpus()).toEqual([]);
  });

  it("keeps every pCPU in at most one pool: a pCPU in a pool cannot be added to another", () => {
    const host = testHost("credit2", 4, []);
    const poolId = host.createCpupool("credit");
    expect(errnoOf(() => host.assignCpu(poolId, 3))).toBe("EBUSY");
    host.unassignCpu(CPUPOOL_ID_POOL0, 3);
    expect(host.freeCpus()).toEqual([3]);
    host.assignCpu(poolId, 3);
    expect(host.freeCpus()).toEqual([]);
    expect(host.cpupools().map((p) => [p.poolId, p.scheduler, formatCpus(p.cpus)])).toEqual([
      [0, "credit2", "0-2"],
      [1, "credit", "3"],
    ]);
    expect(errnoOf(() => host.assignCpu(poolId, 9))).toBe("EINVAL");
  });

  it("runs a pool's domains only on its pCPUs, with its own scheduler, isolated from Pool-0", () => {
    const host = testHost("credit2", 4, [
      { domid: 1, vcpus: 4 },
      { domid: 2, vcpus: 4 },
    ]);
    const poolId = carve(host, [3], "credit");
    addDomain(host, 10, poolId, 2);
    addDomain(host, 11, poolId);
    const seen = new Set<number>();
    runFor(host, 1000, 5, () => {
      for (const domid of [10, 11]) for (const v of host.vcpuInfos(domid)) if (v.running) seen.add(v.pcpu);
      for (const v of host.vcpuInfos(1)) if (v.running) expect(v.pcpu).not.toBe(3);
      host.assertConsistent();
    });
    expect([...seen]).toEqual([3]);
    // Three CPU-bound vCPUs share pCPU 3; eight share pCPUs 0-2.
    expect(cpuSeconds(host, 10) + cpuSeconds(host, 11)).toBeCloseTo(1, 3);
    expect(cpuSeconds(host, 1) + cpuSeconds(host, 2)).toBeCloseTo(3, 3);
  });

  it("refuses to destroy a pool with domains or Pool-0, and frees an empty pool's pCPUs", () => {
    const host = testHost("credit", 4, []);
    const poolId = carve(host, [2, 3]);
    addDomain(host, 5, poolId);
    expect(errnoOf(() => host.destroyCpupool(poolId))).toBe("EBUSY");
    expect(errnoOf(() => host.destroyCpupool(CPUPOOL_ID_POOL0))).toBe("EPERM");
    host.removeDomain(5);
    host.destroyCpupool(poolId);
    expect(host.freeCpus()).toEqual([2, 3]);
    expect(host.cpupools().map((p) => p.poolId)).toEqual([0]);
  });

  it("refuses to remove the last pCPU of a pool with domains, and a domain into a pool with none", () => {
    const host = testHost("credit", 4, []);
    const poolId = carve(host, [3]);
    const empty = host.createCpupool("credit2");
    addDomain(host, 5, poolId);
    expect(errnoOf(() => host.unassignCpu(poolId, 3))).toBe("EBUSY");
    expect(errnoOf(() => host.moveDomain(5, empty))).toBe("EINVAL");
    expect(() => addDomain(host, 6, empty)).toThrow("cpupool 2 has no pCPU");
    expect(host.domainPoolId(5)).toBe(poolId);
    expect(host.hasDomain(6)).toBe(false);
  });

  it("moves a domain between pools: its CPU time carries over and its affinity is reset", () => {
    const host = testHost("credit2", 4, [{ domid: 1, vcpus: 2, pin: [0] }]);
    runFor(host, 500);
    const before = cpuSeconds(host, 1);
    expect(before).toBeCloseTo(0.5, 3);
    const poolId = carve(host, [2, 3], "credit");
    host.moveDomain(1, poolId);
    expect(host.vcpuInfos(1).map((v) => v.hardAffinityText)).toEqual(["all", "all"]);
    runFor(host, 500, 5, () => {
      for (const v of host.vcpuInfos(1)) if (v.running) expect([2, 3]).toContain(v.pcpu);
    });
    expect(cpuSeconds(host, 1)).toBeCloseTo(before + 1, 3);
    host.assertConsistent();
  });

  it("keeps running when a pool grows or shrinks, and breaks an affinity left with no pCPU", () => {
    const host = testHost("credit", 4, []);
    const poolId = carve(host, [2]);
    addDomain(host, 5, poolId, 2);
    host.pin(5, 1, [2]);
    runFor(host, 200);
    host.unassignCpu(CPUPOOL_ID_POOL0, 3);
    host.assignCpu(poolId, 3);
    runFor(host, 200);
    expect(cpuSeconds(host, 5)).toBeCloseTo(0.2 + 0.4, 1); // one pCPU, then two
    host.unassignCpu(poolId, 2);
    expect(host.vcpuInfos(5).map((v) => v.hardAffinityText)).toEqual(["all", "all"]);
    runFor(host, 200, 5, () => {
      for (const v of host.vcpuInfos(5)) if (v.running) expect(v.pcpu).toBe(3);
      host.assertConsistent();
    });
    expect(errnoOf(() => host.pin(5, 0, [0]))).toBe("EINVAL");
  });

  it("replays the same CPU times from the same seed across pool changes", () => {
    const run = () => {
      const host = testHost("credit2", 4, [{ domid: 1, vcpus: 3, demand: "io:burst=1ms,sleep=3ms" }]);
      const poolId = carve(host, [3]);
      addDomain(host, 2, poolId);
      runFor(host, 300);
      host.moveDomain(1, poolId);
      runFor(host, 300);
      return host.vcpuInfos(1).map((v) => v.cpuTimeNs);
    };
    expect(run()).toEqual(run());
  });
});
