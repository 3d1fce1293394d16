import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { SchedulerName } from "../core/sched/index.js";
import { createCpupool, removeCpupoolCpus } from "./cpupool.js";
import { ToolstackError } from "./errors.js";
import { rtdsSections, rtdsVcpus, setRtdsVcpus } from "./sched-rtds.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";

function newHost(scheduler: SchedulerName): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  return new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, new SimulatedClock(), new Prng(5), { scheduler });
}

function guest(ts: Toolstack, name: string, extra = ""): void {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 32\nvcpus = 2\n${extra}`;
  ts.create(loadDomainConfig(text, `${name}.cfg`, [], ts.prng), { configSource: `${name}.cfg` });
}

function refusal(fn: () => unknown): ToolstackError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return error as ToolstackError;
  }
  throw new Error("expected a refusal");
}

const DEFAULTS = { periodUs: 10000, budgetUs: 4000, extratime: true };
const params = (ts: Toolstack, name: string) => rtdsVcpus(ts, name).vcpus.map(({ vcpuId: _, ...p }) => p);

describe("sched-rtds in the toolstack (libxl_vcpu_sched_params_*)", () => {
  it("gives every vCPU Xen's defaults and sets one vCPU or all of them", () => {
    const ts = newHost("rtds");
    guest(ts, "rt1");
    expect(params(ts, "rt1")).toEqual([DEFAULTS, DEFAULTS]);
    setRtdsVcpus(ts, "rt1", [{ vcpuId: 1, periodUs: 20000, budgetUs: 5000, extratime: false }]);
    expect(params(ts, "rt1")).toEqual([DEFAULTS, { periodUs: 20000, budgetUs: 5000, extratime: false }]);
    expect(rtdsVcpus(ts, "rt1", [1]).vcpus.map((v) => v.vcpuId)).toEqual([1]);
    setRtdsVcpus(ts, "rt1", { all: { periodUs: 1000, budgetUs: 1000, extratime: false } });
    expect(params(ts, "rt1")).toEqual(
      [0, 1].map(() => ({ periodUs: 1000, budgetUs: 1000, extratime: false })),
    );
  });

  it("refuses a bad vCPU or a bad budget whole, changing nothing", () => {
    const ts = newHost("rtds");
    guest(ts, "rt1");
    const good = { vcpuId: 0, periodUs: 20000, budgetUs: 5000, extratime: false };
    const outOfRange = refusal(() => setRtdsVcpus(ts, "rt1", [good, { ...good, vcpuId: 5 }]));
    expect([outOfRange.code, outOfRange.message]).toEqual([
      "INVALID_ARGUMENT",
      "domain rt1: Invalid VCPU 5: valid range is [0, 1]",
    ]);
    const overBudget = refusal(() =>
      setRtdsVcpus(ts, "rt1", [good, { ...good, vcpuId: 1, budgetUs: 30000 }]),
    );
    expect(overBudget.code).toBe("INVALID_ARGUMENT");
    expect(overBudget.message).toContain("vCPU 1: budget 30000 us is not in 10..20000 (the period)");
    expect(refusal(() => rtdsVcpus(ts, "rt1", [2])).message).toBe(
      "domain rt1: Invalid VCPU 2: valid range is [0, 1]",
    );
    expect(params(ts, "rt1")).toEqual([DEFAULTS, DEFAULTS]);
  });

  it("refuses a domain whose pool runs another scheduler, naming the verb to use", () => {
    const ts = newHost("credit2");
    guest(ts, "web");
    const error = refusal(() => rtdsVcpus(ts, "web"));
    expect([error.code, error.message]).toEqual([
      "FAILED_PRECONDITION",
      "domain web: host h1 runs the credit2 scheduler, not rtds: use sched-credit2",
    ]);
  });

  it("runs an RTDS cpupool beside a credit2 Pool-0, and lists only RTDS pools", () => {
    const ts = newHost("credit2");
    removeCpupoolCpus(ts, "0", [2, 3]);
    createCpupool(ts, { name: "rt", scheduler: "rtds", cpus: [2, 3] });
    guest(ts, "rt1", 'pool = "rt"\n');
    guest(ts, "web");
    const sections = rtdsSections(ts);
    expect(sections.map((s) => [s.poolName, s.domains.map((d) => d.record.name)])).toEqual([["rt", ["rt1"]]]);
    setRtdsVcpus(ts, "rt1", [{ vcpuId: 0, periodUs: 10000, budgetUs: 2500, extratime: false }]);
    expect(rtdsVcpus(ts, "rt1").vcpus[0]).toEqual({
      vcpuId: 0,
      periodUs: 10000,
      budgetUs: 2500,
      extratime: false,
    });
  });
});
