import { describe, expect, it } from "vitest";
import { cpuSeconds, runFor, testHost } from "../test-host.js";
import { RTDS_BUDGET_US_DEFAULT, RTDS_PERIOD_US_DEFAULT } from "./constants.js";
import { rtdsVcpuParamsProblem } from "./params.js";
import type { RtdsPolicy } from "./rtds-policy.js";
import { type RtdsUnit, comparePriority } from "./unit.js";

const NS_PER_MS = 1_000_000;
const rt = (periodUs: number, budgetUs: number, extratime = false) => [{ periodUs, budgetUs, extratime }];

describe("rtds", () => {
  it("gives each vCPU its budget per period under contention, and the spare time to extratime", () => {
    const host = testHost("rtds", 1, [
      { domid: 1, rtds: rt(10_000, 3_000) },
      { domid: 2, rtds: rt(10_000, 5_000) },
      { domid: 3, rtds: rt(10_000, 1_000, true) },
    ]);
    runFor(host, 10_000);
    // 1,000 whole periods: exactly budget / period each; domain 3 its 10 % and the 10 % left over.
    expect(cpuSeconds(host, 1)).toBeCloseTo(3, 6);
    expect(cpuSeconds(host, 2)).toBeCloseTo(5, 6);
    expect(cpuSeconds(host, 3)).toBeCloseTo(2, 6);
  });

  it("holds a vCPU without extratime to its budget on an idle host, and lets one with it run on", () => {
    const alone = testHost("rtds", 2, [{ domid: 1, rtds: rt(20_000, 5_000) }]);
    runFor(alone, 4_000);
    expect(cpuSeconds(alone, 1)).toBeCloseTo(1, 6);
    const extra = testHost("rtds", 2, [{ domid: 1, rtds: rt(20_000, 5_000, true) }]);
    runFor(extra, 4_000);
    expect(cpuSeconds(extra, 1)).toBeCloseTo(4, 6);
  });

  it("starts with Xen's defaults: 10,000 us period, 4,000 us budget, extratime on", () => {
    const host = testHost("rtds", 1, [{ domid: 1 }]);
    const policy = host.policy as RtdsPolicy;
    expect(policy.vcpuParams(host.vcpus(1)[0]!)).toEqual({
      periodUs: RTDS_PERIOD_US_DEFAULT,
      budgetUs: RTDS_BUDGET_US_DEFAULT,
      extratime: true,
    });
    expect([RTDS_PERIOD_US_DEFAULT, RTDS_BUDGET_US_DEFAULT]).toEqual([10_000, 4_000]);
  });

  it("runs the earliest deadline first and preempts when an earlier one is replenished", () => {
    const host = testHost("rtds", 1, [
      { domid: 1, rtds: rt(20_000, 10_000) },
      { domid: 2, rtds: rt(5_000, 2_000) },
    ]);
    const state = (domid: number) => host.vcpus(domid)[0]!.runState;
    host.advance(NS_PER_MS); // deadlines 20 ms and 5 ms: domain 2 first though domain 1 came first
    expect([state(1), state(2)]).toEqual(["runnable", "running"]);
    host.advance(2 * NS_PER_MS); // t = 3 ms: domain 2 spent its 2 ms, depleted until 5 ms
    expect([state(1), state(2)]).toEqual(["running", "runnable"]);
    host.advance(2.5 * NS_PER_MS); // t = 5.5 ms: replenished, deadline 10 ms < 20 ms: it preempts
    expect([state(1), state(2)]).toEqual(["runnable", "running"]);
    host.advance(14.5 * NS_PER_MS); // t = 20 ms: four periods of domain 2, the rest to domain 1
    expect(host.domainCpuTimeNs(2)).toBe(8 * NS_PER_MS);
    expect(host.domainCpuTimeNs(1)).toBe(10 * NS_PER_MS);
  });

  it("orders by priority level before deadline: a vCPU in extratime waits behind any in budget", () => {
    const unit = (priorityLevel: number, curDeadlineNs: number) =>
      ({ priorityLevel, curDeadlineNs }) as RtdsUnit;
    expect(comparePriority(unit(0, 5), unit(0, 9))).toBeGreaterThan(0);
    expect(comparePriority(unit(0, 9), unit(0, 5))).toBeLessThan(0);
    expect(comparePriority(unit(1, 5), unit(0, 9))).toBeLessThan(0);
  });

  it("applies new parameters from sched-rtds at once, refusing what rt_validate_params refuses", () => {
    const host = testHost("rtds", 1, [{ domid: 1, rtds: rt(10_000, 1_000) }, { domid: 2 }]);
    runFor(host, 1_000);
    expect(cpuSeconds(host, 1)).toBeCloseTo(0.1, 6);
    host.setDomainParams(1, { rtds: rt(10_000, 6_000) });
    runFor(host, 1_000);
    // The period running when the budget changed keeps its 1 ms (cur_budget waits for the next
    // replenishment, as in rt.c); the 99 after it get 6 ms each.
    expect(cpuSeconds(host, 1)).toBeCloseTo(0.1 + 0.001 + 99 * 0.006, 6);
    expect(() => host.setDomainParams(1, { rtds: rt(10_000, 20_000) })).toThrow(
      "vCPU 0: budget 20000 us is not in 10..10000 (the period)",
    );
    expect(host.domainParams(1).rtds).toEqual(rt(10_000, 6_000));
    expect(rtdsVcpuParamsProblem({ periodUs: 5, budgetUs: 5, extratime: false })).toBe(
      "period 5 us is not in 10..4294967295",
    );
  });

  // Global EDF meets every deadline when total utilisation <= m - (m - 1) * the largest (GFB bound):
  // 3 x 40 % on 2 pCPUs is 1.2 <= 1.6. (3 x 60 % is 1.8 > 1.4, and one vCPU then misses budget.)
  it("schedules globally: three vCPUs of 40 % each get their budget on two pCPUs", () => {
    const host = testHost(
      "rtds",
      2,
      [1, 2, 3].map((domid) => ({ domid, rtds: rt(10_000, 4_000) })),
    );
    runFor(host, 2_000, 5, () => host.assertConsistent());
    for (const domid of [1, 2, 3]) expect(cpuSeconds(host, domid)).toBeCloseTo(0.8, 6);
  });

  it("runs the shortest period Xen allows (10 us) without tripping the engine's event bound", () => {
    const host = testHost("rtds", 2, [
      { domid: 1, rtds: rt(10, 10) },
      { domid: 2, rtds: rt(13, 10) },
      { domid: 3, rtds: rt(17, 10), demand: "io:burst=100us,sleep=100us" },
    ]);
    runFor(host, 50, 50);
    const totalS = cpuSeconds(host, 1) + cpuSeconds(host, 2) + cpuSeconds(host, 3);
    expect(totalS).toBeLessThanOrEqual(2 * 0.05);
    expect(totalS).toBeGreaterThan(0.09);
  });
});
