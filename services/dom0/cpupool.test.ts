import { describe, expect, it } from "vitest";
import { cpupoolTestGuest, cpupoolTestHost } from "./cpupool-fixture.js";
import type { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import {
  addCpupoolCpus,
  createCpupool,
  destroyCpupool,
  listCpupools,
  migrateToCpupool,
  numaSplit,
  removeCpupoolCpus,
  renameCpupool,
} from "./cpupool.js";
import { poolSchedParams, schedSections, setPoolSchedParams } from "./sched-params.js";

const newHost = cpupoolTestHost;
const guest = cpupoolTestGuest;

function refusal(fn: () => unknown): ToolstackError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return error as ToolstackError;
  }
  throw new Error("expected a refusal");
}

/** Carves pCPUs 6-7 out of Pool-0 into a credit pool "fast". */
function withFastPool(ts: Toolstack): void {
  removeCpupoolCpus(ts, "0", [6, 7]);
  createCpupool(ts, { name: "fast", scheduler: "credit", cpus: [6, 7] });
}

describe("cpupools in the toolstack (libxl_cpupool_*)", () => {
  it("has Pool-0 with every pCPU and Dom0 at boot, and names pools in XenStore", () => {
    const ts = newHost();
    expect(listCpupools(ts)).toEqual([
      { poolId: 0, name: "Pool-0", scheduler: "credit2", cpus: [0, 1, 2, 3, 4, 5, 6, 7], domainCount: 1 },
    ]);
    withFastPool(ts);
    expect(ts.store.read("/local/pool/1/name")).toBe("fast");
    expect(listCpupools(ts).map((p) => [p.name, p.cpus.length, p.scheduler])).toEqual([
      ["Pool-0", 6, "credit2"],
      ["fast", 2, "credit"],
    ]);
  });

  it("creates a domain in its xl.cfg pool, and writes /vm/<uuid>/pool_name", () => {
    const ts = newHost();
    withFastPool(ts);
    const web = guest(ts, "web", 'pool = "fast"\n');
    expect(ts.hypervisor.domainCpupool(web.domid)).toBe(1);
    expect(ts.store.read(`/vm/${web.uuid}/pool_name`)).toBe("fast");
    const db = guest(ts, "db");
    expect(ts.store.read(`/vm/${db.uuid}/pool_name`)).toBe("Pool-0");
  });

  it("refuses an unknown pool naming the file and the key, and creates nothing", () => {
    const ts = newHost();
    const error = refusal(() => guest(ts, "web", 'pool = "gold"\n'));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe(
      'Illegal pool specified: web.cfg: pool = "gold": host h1 has no cpupool of that name (it has Pool-0)',
    );
    expect([...ts.records.values()].map((r) => r.name)).toEqual(["Domain-0"]);
    expect(ts.hypervisor.domainCount).toBe(1);
  });

  it("refuses a name in use, a pCPU that is not free, and a bad name, changing nothing", () => {
    const ts = newHost();
    withFastPool(ts);
    expect(refusal(() => createCpupool(ts, { name: "fast", cpus: [] })).message).toBe(
      'Pool name "fast" already exists',
    );
    expect(refusal(() => createCpupool(ts, { name: "slow", cpus: [5] })).message).toBe(
      "cpu 5 illegal or not free (free: none)",
    );
    expect(refusal(() => addCpupoolCpus(ts, "fast", [0])).message).toContain("it is in cpupool Pool-0");
    expect(refusal(() => createCpupool(ts, { name: "a/b", cpus: [] })).code).toBe("INVALID_ARGUMENT");
    expect(listCpupools(ts).map((p) => p.name)).toEqual(["Pool-0", "fast"]);
  });

  it("refuses to destroy a pool with domains, and destroys it once empty", () => {
    const ts = newHost();
    withFastPool(ts);
    guest(ts, "web", 'pool = "fast"\n');
    const error = refusal(() => destroyCpupool(ts, "fast"));
    expect(error.code).toBe("FAILED_PRECONDITION");
    expect(error.message).toContain("it has 1 domain(s) (web)");
    expect(refusal(() => destroyCpupool(ts, "Pool-0")).code).toBe("FAILED_PRECONDITION");
    ts.destroy("web");
    destroyCpupool(ts, "fast");
    expect(ts.store.read("/local/pool/1/name")).toBeUndefined();
    expect(ts.hypervisor.cpupools.freeCpus()).toEqual([6, 7]);
  });

  it("refuses to remove the last CPU of a pool with domains", () => {
    const ts = newHost();
    withFastPool(ts);
    guest(ts, "web", 'pool = "fast"\n');
    removeCpupoolCpus(ts, "fast", [7]);
    expect(refusal(() => removeCpupoolCpus(ts, "fast", [6])).message).toBe(
      "removing cpus 6 would leave the 1 domain(s) of cpupool fast no CPU",
    );
    expect(refusal(() => removeCpupoolCpus(ts, "fast", [3])).code).toBe("INVALID_ARGUMENT");
    expect(listCpupools(ts)[1]!.cpus).toEqual([6]);
  });

  it("moves a domain between pools and keeps the pool in its config, for migration", () => {
    const ts = newHost();
    withFastPool(ts);
    const web = guest(ts, "web");
    migrateToCpupool(ts, "web", "fast");
    expect(ts.hypervisor.domainCpupool(web.domid)).toBe(1);
    expect(web.config.pool).toBe("fast");
    expect(ts.store.read(`/vm/${web.uuid}/pool_name`)).toBe("fast");
    renameCpupool(ts, "fast", "gold");
    expect(ts.store.read(`/vm/${web.uuid}/pool_name`)).toBe("gold");
    migrateToCpupool(ts, "web", "Pool-0");
    expect(web.config.pool).toBeUndefined();
    expect(refusal(() => migrateToCpupool(ts, "web", "nope")).code).toBe("NOT_FOUND");
  });

  it("splits a one-node host by renaming Pool-0, and refuses once pools exist", () => {
    const ts = newHost();
    expect(numaSplit(ts).map((p) => [p.name, p.cpus.length])).toEqual([["Pool-node0", 8]]);
    withFastPool(ts);
    expect(refusal(() => numaSplit(ts)).message).toBe("splitting not possible, already cpupools in use");
  });

  it("keeps scheduler parameters per pool (sched-credit -p)", () => {
    const ts = newHost();
    withFastPool(ts);
    guest(ts, "web", 'pool = "fast"\n');
    setPoolSchedParams(ts, "credit", { tsliceMs: 10 }, "fast");
    expect(poolSchedParams(ts, "credit", "fast")).toEqual({ tsliceMs: 10, ratelimitUs: 1000 });
    expect(refusal(() => poolSchedParams(ts, "credit")).message).toContain(
      "host h1 runs the credit2 scheduler, not credit",
    );
    expect(
      schedSections(ts, "credit").map((s) => [s.pool.name, s.domains.map((d) => d.record.name)]),
    ).toEqual([["fast", ["web"]]]);
    expect(
      schedSections(ts, "credit2").map((s) => [s.pool.name, s.domains.map((d) => d.record.name)]),
    ).toEqual([["Pool-0", ["Domain-0"]]]);
  });
});
