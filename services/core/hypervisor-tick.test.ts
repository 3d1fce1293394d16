import { describe, expect, it } from "vitest";
import { SimulatedClock } from "./clock.js";
import type { Domain, DomainCreateSpec } from "./domain.js";
import { Hypervisor } from "./hypervisor.js";
import { Prng } from "./prng.js";
import { demandDutyFraction, demandShape } from "./sched/demand/index.js";
import { parseWorkloadSpec } from "./workload/index.js";

// A tick visits only the domains it can change (those that got CPU, write memory or ran last tick)
// and passes on to the scheduler only when some domain changed: these check each tick's shares and
// run states against a full recount while domains change, come and go between ticks.

const RUNNING_CPU_FRACTION_MIN = 0.05;

function spec(uuid: string, overrides: Partial<DomainCreateSpec> = {}): DomainCreateSpec {
  return {
    uuid,
    type: "pv",
    memoryKib: 4 * 1024,
    maxmemKib: 4 * 1024,
    vcpus: 1,
    maxvcpus: 2,
    weight: 256,
    cap: 0,
    workload: "idle",
    ...overrides,
  };
}

describe("Hypervisor.tick", () => {
  it("gives every domain, every tick, the share a full recount gives, as domains change, come and go", () => {
    const clock = new SimulatedClock();
    const host = { hostId: "h", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
    const hypervisor = new Hypervisor(host, clock, new Prng(5));
    hypervisor.bootDom0({ memoryMib: 128, vcpus: 1 }, "dom0");
    const start = (uuid: string, overrides: Partial<DomainCreateSpec> = {}) => {
      const domain = hypervisor.createDomain(spec(uuid, overrides));
      hypervisor.unpauseDomain(domain.domid);
      return domain;
    };
    const domains: Domain[] = [
      start("a", { cpuDemand: "io:burst=2ms,sleep=30ms" }),
      start("b", { workload: "uniform:rate=200" }),
      start("c"),
      start("d", { cpuDemand: "bursty:on=50ms,off=80ms" }),
    ];
    const vcpuTimeNs = (domid: number) =>
      hypervisor.vcpuInfo(domid).reduce((totalNs, vcpu) => totalNs + vcpu.cpuTimeNs, 0);
    let seenNs = new Map<number, number>();
    const checked = { shares: 0, ranThenIdle: 0 };
    hypervisor.onTick((elapsedNs, shares) => {
      for (const domain of hypervisor.domainsInOrder) {
        const share = shares.get(domain.domid)!;
        const nowNs = vcpuTimeNs(domain.domid);
        expect(share.cpuNs).toBe(nowNs - (seenNs.get(domain.domid) ?? 0));
        seenNs.set(domain.domid, nowNs);
        const duty = demandDutyFraction(demandShape(domain.cpuDemand));
        expect(share.wantedNs).toBe(domain.isRunnable ? duty * domain.vcpusOnline * elapsedNs : 0);
        checked.shares++;
      }
    });
    const ranBefore = new Map<number, boolean>();
    const changes: Record<number, () => void> = {
      20: () => hypervisor.pauseDomain(domains[1]!.domid),
      40: () => hypervisor.unpauseDomain(domains[1]!.domid),
      60: () => domains[2]!.setWorkload(parseWorkloadSpec("uniform:rate=100")),
      80: () => hypervisor.setCpuDemand(domains[0]!.domid, "cpu"),
      100: () => hypervisor.setVcpusOnline(domains[3]!.domid, 2),
      120: () => hypervisor.destroyDomain(domains[0]!.domid),
      140: () => domains.push(start("e", { cpuDemand: "cpu" })),
      160: () => hypervisor.setCpuDemand(domains[4]!.domid, "idle"),
      180: () => hypervisor.shutdownDomain(domains[3]!.domid, 0),
    };
    for (let tick = 0; tick < 220; tick++) {
      changes[tick]?.();
      if (tick === 120) seenNs = new Map([...seenNs].filter(([domid]) => domid !== domains[0]!.domid));
      for (const domain of hypervisor.domainsInOrder) ranBefore.set(domain.domid, domain.ranLastTick);
      const elapsedMs = tick % 7 === 3 ? 15 : 10; // now and then a tick of another length
      clock.advanceMs(elapsedMs);
      hypervisor.tick();
      for (const domain of hypervisor.domainsInOrder) {
        expect(domain.cpuTimeNs).toBe(vcpuTimeNs(domain.domid));
        if (domain.isRunnable && !domain.ranLastTick && ranBefore.get(domain.domid)) checked.ranThenIdle++;
      }
      let hasWork = false;
      for (const domain of hypervisor.domainsInOrder)
        if (domain.isRunnable && (domain.workload.spec.kind !== "idle" || domain.cpuDemand.kind !== "idle"))
          hasWork = true;
      expect(hypervisor.hasWork).toBe(hasWork);
    }
    expect(checked.shares).toBeGreaterThan(800);
    expect(checked.ranThenIdle).toBeGreaterThan(0); // a domain that ran went back to not running
  });

  it("shows a domain running only in the ticks it got CPU or wrote memory", () => {
    const clock = new SimulatedClock();
    const host = { hostId: "h", pcpuCount: 1, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
    const hypervisor = new Hypervisor(host, clock, new Prng(2));
    hypervisor.bootDom0({ memoryMib: 128, vcpus: 1 }, "dom0");
    const domain = hypervisor.createDomain(spec("io", { cpuDemand: "io:burst=5ms,sleep=45ms" }));
    hypervisor.unpauseDomain(domain.domid);
    const states: boolean[] = [];
    let cpuSeenNs = 0;
    for (let tick = 0; tick < 100; tick++) {
      clock.advanceMs(10);
      hypervisor.tick();
      const gotNs = domain.cpuTimeNs - cpuSeenNs;
      cpuSeenNs = domain.cpuTimeNs;
      expect(domain.ranLastTick).toBe(gotNs > 10_000_000 * RUNNING_CPU_FRACTION_MIN);
      states.push(domain.ranLastTick);
    }
    expect(states).toContain(true);
    expect(states).toContain(false);
  });
});
