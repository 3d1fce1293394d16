import { describe, expect, it, vi } from "vitest";
import { CPUPOOL_ID_POOL0 } from "../core/sched/index.js";
import { cpupoolTestHost } from "./cpupool-fixture.js";
import * as cpupool from "./cpupool.js";

const { cpupoolName, cpupoolPath, POOL0_NAME } = cpupool;

describe("cpupoolName (libxl_cpupoolid_to_name)", () => {
  it("reads a pool's name from the store once while the store does not change", () => {
    const ts = cpupoolTestHost();
    const read = vi.spyOn(ts.store, "read");
    expect(cpupoolName(ts, CPUPOOL_ID_POOL0)).toBe(POOL0_NAME);
    expect(cpupoolName(ts, CPUPOOL_ID_POOL0)).toBe(POOL0_NAME);
    expect(cpupoolName(ts, 7)).toBe("Pool-7"); // never written: libxl's fallback, read once too
    expect(cpupoolName(ts, 7)).toBe("Pool-7");
    expect(read.mock.calls.map(([path]) => path)).toEqual([
      `${cpupoolPath(CPUPOOL_ID_POOL0)}/name`,
      `${cpupoolPath(7)}/name`,
    ]);
  });

  it("reads again after any change to the store: a rename, a pool made or gone, a write of the node", () => {
    const ts = cpupoolTestHost();
    expect(cpupoolName(ts, CPUPOOL_ID_POOL0)).toBe(POOL0_NAME);
    cpupool.renameCpupool(ts, POOL0_NAME, "main");
    expect(cpupoolName(ts, CPUPOOL_ID_POOL0)).toBe("main");
    const pool = cpupool.createCpupool(ts, { name: "fast", cpus: [] });
    expect(cpupoolName(ts, pool.poolId)).toBe("fast");
    ts.store.write(`${cpupoolPath(pool.poolId)}/name`, "faster");
    expect(cpupoolName(ts, pool.poolId)).toBe("faster");
    cpupool.destroyCpupool(ts, "faster");
    expect(cpupoolName(ts, pool.poolId)).toBe(`Pool-${pool.poolId}`);
  });

  it("keeps each store's names apart", () => {
    const [a, b] = [cpupoolTestHost(), cpupoolTestHost()];
    cpupool.renameCpupool(a, POOL0_NAME, "a0");
    expect(cpupoolName(a, CPUPOOL_ID_POOL0)).toBe("a0");
    expect(cpupoolName(b, CPUPOOL_ID_POOL0)).toBe(POOL0_NAME);
  });
});
