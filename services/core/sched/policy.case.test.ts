import { describe, expect, it } from "vitest";
import { Prng } from "../prng.js";
import { SCHEDULER_NAMES, WEIGHTED_SCHEDULER_NAMES } from "./policy.js";
import { cpuSeconds, runFor, testHost } from "./test-host.js";

const NS_PER_MS = 1_000_000;

/** Properties every scheduling policy keeps, under the engine's simulated time. */
describe.each(SCHEDULER_NAMES)("%s scheduler", (scheduler) => {
  it("never hands out more CPU than pCPUs × elapsed, nor more than elapsed to one vCPU", () => {
    const domains = [
      { domid: 0, vcpus: 2, demand: "io:burst=500us,sleep=5ms" },
      ...Array.from({ length: 12 }, (_, i) => ({
        domid: i + 1,
        vcpus: 1 + (i % 3),
        weight: 128 * (1 + (i % 4)),
        cap: i % 5 === 0 ? 80 : 0,
        demand: ["cpu", "io", "bursty:on=50ms,off=50ms", "idle"][i % 4]!,
      })),
    ];
    const host = testHost(scheduler, 4, domains, 7);
    const prng = new Prng(11);
    runFor(host, 5000, 7, () => {
      host.assertConsistent();
      const totalNs = host.domids().reduce((sum, domid) => sum + host.domainCpuTimeNs(domid), 0);
      expect(totalNs).toBeLessThanOrEqual(4 * host.nowNs);
      for (const domid of host.domids()) {
        for (const vcpu of host.vcpus(domid)) expect(vcpu.cpuTimeNs).toBeLessThanOrEqual(host.nowNs);
      }
      poke(host, prng);
    });
  });

  it("is work-conserving: CPU-bound vCPUs use every pCPU, and a lone one runs all the time", () => {
    const busy = testHost(
      scheduler,
      4,
      [1, 2, 3, 4, 5, 6].map((domid) => ({ domid })),
    );
    runFor(busy, 3000);
    const totalS = busy.domids().reduce((sum, domid) => sum + cpuSeconds(busy, domid), 0);
    expect(totalS).toBeCloseTo(4 * 3, 6);
    const lone = testHost(scheduler, 4, [
      { domid: 1, vcpus: 2 },
      { domid: 2, demand: "idle" },
    ]);
    runFor(lone, 3000);
    expect(cpuSeconds(lone, 1)).toBeCloseTo(2 * 3, 6);
  });

  it("serves an I/O-bound vCPU promptly while CPU-bound domains saturate its pCPU", () => {
    const host = testHost(scheduler, 1, [
      { domid: 1 },
      { domid: 2 },
      { domid: 3, demand: "io:burst=1ms,sleep=10ms" },
    ]);
    runFor(host, 10_000);
    const io = host.vcpus(3)[0]!;
    const meanWaitMs = io.waits.waitNsTotal / io.waits.waitCount / NS_PER_MS;
    expect(io.waits.waitCount).toBeGreaterThan(500);
    expect(meanWaitMs).toBeLessThan(30);
    // It gets (nearly) all it asks for: about 1 ms in 11 ms, not the third a CPU-bound domain gets.
    expect(cpuSeconds(host, 3)).toBeGreaterThan(0.8 * (10 / 11));
  });

  it("replays exactly: the same seed gives the same CPU times, another seed other ones", () => {
    const run = (seed: number) => {
      const domains = [1, 2, 3, 4, 5].map((domid) => ({ domid, demand: domid % 2 ? "io" : "bursty" }));
      const host = testHost(scheduler, 2, domains, seed);
      runFor(host, 2000, 3);
      return host.domids().map((domid) => host.vcpus(domid).map((vcpu) => vcpu.cpuTimeNs));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});

/** Properties of the schedulers that share by weight and cap (RTDS shares by budget and period). */
describe.each(WEIGHTED_SCHEDULER_NAMES)("%s scheduler (weighted)", (scheduler) => {
  // Tolerance ±5 % of the 2:1 ratio over 10 s: credit hands out credit every 30 ms and credit2 resets
  // every ~30 ms here, so the split can be off by about one such period's slices (a few % of 10 s).
  it("shares one contended pCPU 2:1 between weights 512 and 256", () => {
    const host = testHost(scheduler, 1, [
      { domid: 1, weight: 512 },
      { domid: 2, weight: 256 },
    ]);
    runFor(host, 10_000);
    const ratio = cpuSeconds(host, 1) / cpuSeconds(host, 2);
    expect(ratio).toBeGreaterThan(2 * 0.95);
    expect(ratio).toBeLessThan(2 * 1.05);
    expect(cpuSeconds(host, 1) + cpuSeconds(host, 2)).toBeCloseTo(10, 6);
  });

  // Tolerance +1 % of a pCPU: credit parks only at accounting (every 30 ms) and credit2 lets a slice
  // overrun the budget by at most 100 µs per 10 ms period; both carry the overrun as debt.
  it("holds a CPU-bound domain with cap 50 at 50 % of one pCPU or less", () => {
    const host = testHost(scheduler, 4, [{ domid: 1, cap: 50, vcpus: 2 }, { domid: 2 }]);
    runFor(host, 10_000);
    expect(cpuSeconds(host, 1) / 10).toBeLessThanOrEqual(0.51);
    expect(cpuSeconds(host, 1) / 10).toBeGreaterThan(0.45);
    expect(cpuSeconds(host, 2)).toBeCloseTo(10, 6);
  });
});

/** One random change a toolstack might make: pin, vcpu-set, pause, weight, cap, demand, throttle. */
function poke(host: ReturnType<typeof testHost>, prng: Prng): void {
  const domids = host.domids();
  const domid = domids[prng.nextInt(domids.length)]!;
  const vcpuCount = host.vcpus(domid).length;
  switch (prng.nextInt(40)) {
    case 0:
      host.pin(domid, prng.nextInt(vcpuCount), [prng.nextInt(4), prng.nextInt(4)]);
      break;
    case 1:
      host.pin(domid, "all", [0, 1, 2, 3]);
      break;
    case 2:
      host.setVcpusOnline(domid, 1 + prng.nextInt(vcpuCount));
      break;
    case 3:
      host.setDomainActive(domid, prng.nextInt(2) === 0);
      break;
    case 4:
      host.setDomainParams(domid, { weight: 1 + prng.nextInt(1024), cap: prng.nextInt(3) * 50 });
      break;
    case 5:
      host.setThrottle(domid, prng.nextInt(3) * 0.3);
      break;
    case 6: {
      // RTDS reads these; credit and credit2 keep them unread.
      const periodUs = 100 * (1 + prng.nextInt(200));
      const rtds = { periodUs, budgetUs: 10 + prng.nextInt(periodUs - 9), extratime: prng.nextInt(2) === 0 };
      host.setDomainParams(domid, { rtds: Array.from({ length: vcpuCount }, () => rtds) });
      break;
    }
  }
}
