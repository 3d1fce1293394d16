import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { XenError } from "../core/errors.js";
import type { SchedulerName } from "../core/sched/index.js";
import { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import type { DomainConfig } from "./xlcfg/domain-config.js";
import { listVcpus } from "./vcpu-control.js";

const PCPU_COUNT = 4;
const TICK_STEP_MS = 10;
const NS_PER_MS = 1_000_000;

function newHost(scheduler?: SchedulerName): { ts: Toolstack; clock: SimulatedClock } {
  const clock = new SimulatedClock();
  const spec = { hostId: "h1", pcpuCount: PCPU_COUNT, memoryMib: 2048, hvmCapable: true, cpuMhz: 2400 };
  const options = scheduler ? { scheduler } : {};
  return { ts: new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, clock, new Prng(11), options), clock };
}

function guestConfig(name: string, extra: string[] = []): DomainConfig {
  const text = [`name = "${name}"`, 'kernel = "/boot/vmlinuz"', "memory = 32", "vif = [ '' ]", ...extra].join(
    "\n",
  );
  return loadDomainConfig(`${text}\n`, `${name}.cfg`, [], new Prng(1));
}

function run(ts: Toolstack, clock: SimulatedClock, durationMs: number): void {
  for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += TICK_STEP_MS) {
    clock.advanceMs(TICK_STEP_MS);
    ts.hypervisor.tick();
  }
}

/** What a refused create must leave exactly as it was. */
function snapshot(ts: Toolstack) {
  return {
    domids: [...ts.records.keys()],
    domainCount: ts.hypervisor.domainCount,
    frameCountFree: ts.hypervisor.frames.frameCountFreeNow,
    nodeCount: ts.store.nodeCount,
    watchCount: ts.store.watchCount,
  };
}

function refusal(fn: () => unknown): ToolstackError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return error as ToolstackError;
  }
  throw new Error("expected a refusal, but the call succeeded");
}

describe("xl.cfg cpus (hard affinity) at create", () => {
  it("pins every vCPU to a cpu list string", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("g", ["vcpus = 2", 'cpus = "1-3,^2"']));
    const vcpus = ts.hypervisor.vcpuInfo(record.domid);
    expect(vcpus.map((v) => v.hardAffinity)).toEqual([
      [1, 3],
      [1, 3],
    ]);
    expect(vcpus.map((v) => v.hardAffinityText)).toEqual(["1,3", "1,3"]);
  });

  it("pins vCPU i to item i of a list, leaves later vCPUs free and ignores items past maxvcpus", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("g", ["vcpus = 3", 'cpus = ["0", "2-3"]']));
    expect(ts.hypervisor.vcpuInfo(record.domid).map((v) => v.hardAffinityText)).toEqual(["0", "2-3", "all"]);
    const wide = ts.create(guestConfig("w", ["vcpus = 1", 'cpus = ["3", "99"]']));
    expect(ts.hypervisor.vcpuInfo(wide.domid).map((v) => v.hardAffinityText)).toEqual(["3"]);
  });

  it("runs pinned CPU-bound vCPUs only on their pCPUs", () => {
    const { ts, clock } = newHost();
    const record = ts.create(guestConfig("g", ["vcpus = 2", 'cpus = "2"', 'xsim_cpu = "cpu"']));
    run(ts, clock, 500);
    const vcpus = ts.hypervisor.vcpuInfo(record.domid);
    expect(vcpus.map((v) => v.pcpu)).toEqual([2, 2]);
    // Two CPU-bound vCPUs share one pCPU: together they get about one pCPU's time, not two.
    const cpuNs = vcpus.reduce((sum, v) => sum + v.cpuTimeNs, 0);
    expect(cpuNs).toBeGreaterThan(0.8 * 500 * NS_PER_MS);
    expect(cpuNs).toBeLessThanOrEqual(500 * NS_PER_MS);
  });

  it("shows cpus_soft in vcpu-list without changing the hard affinity", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("g", ["vcpus = 2", 'cpus_soft = ["1", "0-1"]']));
    const [entry] = listVcpus(ts, ["g"]);
    expect(entry!.record).toBe(record);
    expect(entry!.vcpus.map((v) => [v.hardAffinityText, v.softAffinityText])).toEqual([
      ["all", "1"],
      ["all", "0-1"],
    ]);
  });

  it("refuses a cpus naming a pCPU the host lacks, naming key and value, and changes nothing", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const error = refusal(() => ts.create(guestConfig("g", ['cpus = "0-7"'])));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain('cpus = "0-7"');
    expect(error.message).toContain("pCPU 7 does not exist");
    const listed = refusal(() => ts.create(guestConfig("g", ["vcpus = 2", 'cpus = ["0", "5"]'])));
    expect(listed.message).toContain('cpus[1] = "5"');
    expect(snapshot(ts)).toEqual(before);
  });

  it("rolls a create back whole when the hypervisor refuses the pinning after the build", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const vcpuPin = ts.hypervisor.vcpuPin.bind(ts.hypervisor);
    ts.hypervisor.vcpuPin = () => {
      throw new XenError("EINVAL", "affinity refused");
    };
    const error = refusal(() => ts.create(guestConfig("g", ['cpus = "1"'])));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(snapshot(ts)).toEqual(before);
    ts.hypervisor.vcpuPin = vcpuPin;
    expect(ts.create(guestConfig("g", ['cpus = "1"'])).name).toBe("g");
  });
});

describe("xl.cfg xsim_cpu, cpu_weight and cap reach the scheduler", () => {
  it("sets the vCPUs' CPU demand: a CPU-bound guest gets far more CPU than an I/O-bound one", () => {
    const { ts, clock } = newHost();
    const busy = ts.create(guestConfig("busy", ['xsim_cpu = "cpu"']));
    const io = ts.create(guestConfig("io", ['xsim_cpu = "io:burst=1ms,sleep=10ms"']));
    expect(ts.domainOf(io).cpuDemand).toEqual({ kind: "io", burstNs: NS_PER_MS, sleepNs: 10 * NS_PER_MS });
    run(ts, clock, 2000);
    const busyNs = ts.domainOf(busy).cpuTimeNs;
    const ioNs = ts.domainOf(io).cpuTimeNs;
    expect(busyNs).toBeGreaterThan(0.9 * 2000 * NS_PER_MS);
    // About burst / (burst + sleep) = 1/11 of a pCPU.
    expect(ioNs).toBeGreaterThan(0.04 * 2000 * NS_PER_MS);
    expect(ioNs).toBeLessThan(0.2 * 2000 * NS_PER_MS);
  });

  it("refuses a bad xsim_cpu with INVALID_ARGUMENT naming the key, and changes nothing", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const error = refusal(() => ts.create(guestConfig("g", ['xsim_cpu = "warp"'])));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("xsim_cpu");
    expect(error.message).toContain("warp");
    expect(snapshot(ts)).toEqual(before);
  });

  for (const scheduler of ["credit", "credit2"] as const) {
    it(`hands cpu_weight and cap to ${scheduler}, and the cap holds`, () => {
      const { ts, clock } = newHost(scheduler);
      expect(ts.hypervisor.schedulerName).toBe(scheduler);
      const record = ts.create(guestConfig("g", ["cpu_weight = 512", "cap = 50", 'xsim_cpu = "cpu"']));
      expect(ts.hypervisor.schedParams(record.domid)).toEqual({ weight: 512, cap: 50 });
      run(ts, clock, 3000);
      expect(ts.domainOf(record).cpuTimeNs).toBeLessThanOrEqual(0.55 * 3000 * NS_PER_MS);
      expect(ts.domainOf(record).cpuTimeNs).toBeGreaterThan(0.4 * 3000 * NS_PER_MS);
    });
  }
});
