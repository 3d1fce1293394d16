import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { SchedulerName } from "../core/sched/index.js";
import { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import {
  domainSchedParams,
  poolSchedParams,
  setDomainSchedParams,
  setPoolSchedParams,
} from "./sched-params.js";

function newHost(scheduler: SchedulerName): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  const ts = new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, new SimulatedClock(), new Prng(5), {
    scheduler,
  });
  ts.create(
    loadDomainConfig('name = "g"\nkernel = "/k"\nmemory = 32\ncpu_weight = 128\n', "g.cfg", [], ts.prng),
  );
  return ts;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return (error as ToolstackError).code;
  }
  throw new Error("expected a refusal");
}

describe("sched-credit / sched-credit2 parameters", () => {
  it("lists every domain's weight and cap, or one domain's", () => {
    const ts = newHost("credit");
    const all = domainSchedParams(ts, "credit", undefined);
    expect(all.map((e) => [e.record.name, e.params.weight, e.params.cap])).toEqual([
      ["Domain-0", 256, 0],
      ["g", 128, 0],
    ]);
    expect(domainSchedParams(ts, "credit", "1").map((e) => e.record.name)).toEqual(["g"]);
  });

  it("sets weight and cap, and the config follows so a migration carries them", () => {
    const ts = newHost("credit2");
    const entry = setDomainSchedParams(ts, "credit2", "g", { weight: 512 });
    expect(entry.params).toEqual({ weight: 512, cap: 0 });
    setDomainSchedParams(ts, "credit2", "g", { cap: 50 });
    expect(ts.hypervisor.schedParams(1)).toEqual({ weight: 512, cap: 50 });
    expect(ts.requireDomain("g").config).toMatchObject({ cpuWeight: 512, cap: 50 });
  });

  it("refuses out-of-range values whole", () => {
    const ts = newHost("credit");
    expect(code(() => setDomainSchedParams(ts, "credit", "g", { weight: 70000, cap: 10 }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(ts.hypervisor.schedParams(1)).toEqual({ weight: 128, cap: 0 });
    expect(code(() => setPoolSchedParams(ts, "credit", { tsliceMs: 0 }))).toBe("INVALID_ARGUMENT");
    expect(poolSchedParams(ts, "credit")).toEqual({ tsliceMs: 30, ratelimitUs: 1000 });
  });

  it("gets and sets the pool: tslice and ratelimit under credit, ratelimit only under credit2", () => {
    const credit = newHost("credit");
    expect(setPoolSchedParams(credit, "credit", { tsliceMs: 10, ratelimitUs: 500 })).toEqual({
      tsliceMs: 10,
      ratelimitUs: 500,
    });
    const credit2 = newHost("credit2");
    expect(setPoolSchedParams(credit2, "credit2", { ratelimitUs: 2000 }).ratelimitUs).toBe(2000);
    expect(code(() => setPoolSchedParams(credit2, "credit2", { tsliceMs: 10 }))).toBe("INVALID_ARGUMENT");
  });

  it("refuses with FAILED_PRECONDITION when the host runs the other scheduler", () => {
    const ts = newHost("credit2");
    expect(code(() => domainSchedParams(ts, "credit", undefined))).toBe("FAILED_PRECONDITION");
    expect(code(() => setDomainSchedParams(ts, "credit", "g", { weight: 512 }))).toBe("FAILED_PRECONDITION");
    expect(code(() => poolSchedParams(ts, "credit"))).toBe("FAILED_PRECONDITION");
    expect(() => poolSchedParams(ts, "credit")).toThrow("runs the credit2 scheduler, not credit");
    expect(ts.hypervisor.schedParams(1).weight).toBe(128);
  });
});
