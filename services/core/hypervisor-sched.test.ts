import { describe, expect, it } from "vitest";
import { SimulatedClock } from "./clock.js";
import type { Domain, DomainCreateSpec } from "./domain.js";
import { XenError } from "./errors.js";
import { Hypervisor, type HypervisorOptions } from "./hypervisor.js";
import { Prng } from "./prng.js";
import { CpuDemandSpecError, formatVcpuState } from "./sched/index.js";

const TICK_MS = 10;

function host(pcpuCount: number, dom0Vcpus: number, options: HypervisorOptions = {}, seed = 1) {
  const clock = new SimulatedClock();
  const spec = { hostId: "h", pcpuCount, memoryMib: 4096, hvmCapable: true, cpuMhz: 2400 };
  const hypervisor = new Hypervisor(spec, clock, new Prng(seed), options);
  hypervisor.bootDom0({ memoryMib: 256, vcpus: dom0Vcpus }, "dom0-uuid");
  const run = (durationMs: number) => {
    for (let doneMs = 0; doneMs < durationMs; doneMs += TICK_MS) {
      clock.advanceMs(TICK_MS);
      hypervisor.tick();
    }
  };
  return { hypervisor, run };
}

function guest(hypervisor: Hypervisor, overrides: Partial<DomainCreateSpec> = {}): Domain {
  const domain = hypervisor.createDomain({
    uuid: "u",
    type: "pv",
    memoryKib: 16 * 1024,
    maxmemKib: 16 * 1024,
    vcpus: 1,
    maxvcpus: 1,
    weight: 256,
    cap: 0,
    workload: "idle",
    ...overrides,
  });
  hypervisor.unpauseDomain(domain.domid);
  return domain;
}

/** Counts the page writes a domain's workload makes. */
function countWrites(domain: Domain): () => number {
  const inner = domain.workload;
  let writeCount = 0;
  domain.workload = {
    spec: inner.spec,
    run: (...args) => {
      const written = inner.run(...args);
      writeCount += written;
      return written;
    },
  };
  return () => writeCount;
}

describe("Hypervisor vCPU scheduling", () => {
  it("runs credit2 unless told otherwise (Xen's default since 4.12)", () => {
    expect(host(2, 1).hypervisor.schedulerName).toBe("credit2");
    expect(host(2, 1, { scheduler: "credit" }).hypervisor.schedulerName).toBe("credit");
    expect(host(2, 1, { scheduler: "credit" }).hypervisor.schedPoolParams()).toEqual({
      tsliceMs: 30,
      ratelimitUs: 1000,
    });
  });

  for (const scheduler of ["credit", "credit2"] as const) {
    it(`keeps Dom0 running under load (${scheduler}): 50 CPU-bound DomUs on 8 pCPUs`, () => {
      const { hypervisor, run } = host(8, 2, { scheduler });
      hypervisor.setCpuDemand(0, "io:burst=500us,sleep=5ms"); // backends serving requests
      for (let i = 0; i < 50; i++) guest(hypervisor, { cpuDemand: "cpu" });
      run(1000); // past the start, when every vCPU wakes boosted at once
      const dom0 = hypervisor.requireDomain(0);
      const dom0BeforeNs = dom0.cpuTimeNs;
      const totalBeforeNs = hypervisor.domains().reduce((sum, d) => sum + d.cpuTimeNs, 0);
      const waits = hypervisor.scheduler.vcpus(0).map((v) => ({ ...v.waits }));
      run(5000);
      const wantedNs = (0.5 / 5.5) * 2 * 5e9; // duty cycle × vCPUs × elapsed
      expect((dom0.cpuTimeNs - dom0BeforeNs) / wantedNs).toBeGreaterThan(0.9);
      hypervisor.scheduler.vcpus(0).forEach((v, i) => {
        const count = v.waits.waitCount - waits[i]!.waitCount;
        expect(count).toBeGreaterThan(500);
        expect((v.waits.waitNsTotal - waits[i]!.waitNsTotal) / count).toBeLessThan(1e6);
      });
      const totalNs = hypervisor.domains().reduce((sum, d) => sum + d.cpuTimeNs, 0);
      expect(totalNs - totalBeforeNs).toBeLessThanOrEqual(8 * 5e9);
      expect(totalNs - totalBeforeNs).toBeGreaterThan(8 * 5e9 * 0.999);
    });
  }

  it("makes the dirty rate follow the CPU a guest gets: two busy guests on one pCPU write half", () => {
    const { hypervisor, run } = host(1, 1);
    const writes = [
      guest(hypervisor, { workload: "uniform:rate=2000" }),
      guest(hypervisor, { workload: "uniform:rate=2000" }),
    ].map(countWrites);
    run(10_000);
    for (const writeCount of writes) {
      expect(writeCount() / (2000 * 10)).toBeGreaterThan(0.47);
      expect(writeCount() / (2000 * 10)).toBeLessThan(0.53);
    }
  });

  it("lets auto-converge really slow a guest: throttled by 0.5 it gets half the CPU and writes half", () => {
    const { hypervisor, run } = host(4, 1);
    const domain = guest(hypervisor, { workload: "uniform:rate=2000" });
    const writeCount = countWrites(domain);
    run(1000);
    expect(writeCount()).toBe(2000);
    domain.throttleFraction = 0.5;
    const cpuBeforeNs = domain.cpuTimeNs;
    run(4000);
    expect((domain.cpuTimeNs - cpuBeforeNs) / 4e9).toBeCloseTo(0.5, 2);
    expect((writeCount() - 2000) / (2000 * 4)).toBeCloseTo(0.5, 2);
  });

  it("sets weight and cap, refusing bad values whole (XenError EINVAL)", () => {
    const { hypervisor } = host(2, 1);
    const domain = guest(hypervisor, { maxvcpus: 2 });
    hypervisor.setSchedParams(domain.domid, { weight: 512 });
    hypervisor.setSchedParams(domain.domid, { cap: 150 });
    expect(hypervisor.schedParams(domain.domid)).toEqual({ weight: 512, cap: 150 });
    expect([domain.weight, domain.cap]).toEqual([512, 150]);
    expect(() => hypervisor.setSchedParams(domain.domid, { weight: 0, cap: 10 })).toThrow(XenError);
    expect(() => hypervisor.setSchedParams(domain.domid, { cap: 201 })).toThrow("cap 201 is not in 0..200");
    expect([domain.weight, domain.cap]).toEqual([512, 150]);
    const freeFrames = hypervisor.frames.frameCountFreeNow;
    expect(() => guest(hypervisor, { weight: 70000 })).toThrow("weight 70000 is not in 1..65535");
    expect(() => guest(hypervisor, { vcpus: 1, maxvcpus: 129 })).toThrow("129 vCPUs, at most 128");
    expect(hypervisor.frames.frameCountFreeNow).toBe(freeFrames);
  });

  it("reports each vCPU as xl vcpu-list shows it: state, pCPU, time, hard affinity", () => {
    const { hypervisor, run } = host(4, 1);
    const domain = guest(hypervisor, { vcpus: 3, maxvcpus: 4, cpuDemand: "cpu" });
    hypervisor.setVcpusOnline(domain.domid, 2);
    hypervisor.vcpuPin(domain.domid, 1, [2, 3]);
    run(1000);
    const infos = hypervisor.vcpuInfo(domain.domid);
    expect(infos.map(formatVcpuState)).toEqual(["r--", "r--", "--p", "--p"]);
    expect(infos.map((i) => i.hardAffinityText)).toEqual(["all", "2-3", "all", "all"]);
    expect([2, 3]).toContain(infos[1]!.pcpu);
    expect(infos.map((i) => i.cpuTimeNs)).toEqual([1e9, 1e9, 0, 0]);
    expect(domain.stateLetters()).toBe("r-----");
    expect(hypervisor.requireDomain(0).stateLetters()).toBe("-b----");
    expect(() => hypervisor.vcpuPin(domain.domid, "all", [4])).toThrow("pCPU 4 does not exist (0..3)");
    expect(() => hypervisor.setCpuDemand(domain.domid, "gpu")).toThrow(CpuDemandSpecError);
  });

  it("replays exactly: the same seed gives the same CPU times", () => {
    const cpuTimes = (seed: number) => {
      const { hypervisor, run } = host(2, 1, {}, seed);
      for (const cpuDemand of ["io", "bursty", "cpu", "io:burst=3ms,sleep=3ms"])
        guest(hypervisor, { cpuDemand });
      run(3000);
      return hypervisor.domains().map((d) => d.cpuTimeNs);
    };
    expect(cpuTimes(3)).toEqual(cpuTimes(3));
    expect(cpuTimes(3)).not.toEqual(cpuTimes(4));
  });

  it("gives each domain, every tick, exactly the CPU its vCPUs ran (ticks where none ran add nothing)", () => {
    const { hypervisor, run } = host(2, 1);
    const domains = ["io", "bursty", "cpu", "io:burst=3ms,sleep=300ms"].map((cpuDemand) =>
      guest(hypervisor, { vcpus: 2, maxvcpus: 2, cpuDemand }),
    );
    const vcpuTimeNs = (domid: number) =>
      hypervisor.vcpuInfo(domid).reduce((totalNs, vcpu) => totalNs + vcpu.cpuTimeNs, 0);
    let ticksWithoutCpu = 0;
    for (let tick = 0; tick < 200; tick++) {
      if (tick === 50) hypervisor.pauseDomain(domains[2]!.domid);
      if (tick === 120) hypervisor.unpauseDomain(domains[2]!.domid);
      const before = domains.map((d) => d.cpuTimeNs);
      run(TICK_MS);
      domains.forEach((domain, index) => {
        expect(domain.cpuTimeNs).toBe(vcpuTimeNs(domain.domid));
        if (domain.cpuTimeNs === before[index]) ticksWithoutCpu++;
      });
    }
    expect(ticksWithoutCpu).toBeGreaterThan(0); // the skipped case is exercised
  });
});
