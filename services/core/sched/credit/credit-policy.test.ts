import { describe, expect, it } from "vitest";
import { XenError } from "../../errors.js";
import { cpuSeconds, runFor, testHost } from "../test-host.js";
import { PRI_OVER, PRI_UNDER } from "./constants.js";
import type { CreditPolicy } from "./credit-policy.js";

const NS_PER_MS = 1_000_000;

function creditHost(...args: Parameters<typeof testHost> extends [unknown, ...infer Rest] ? Rest : never) {
  const host = testHost("credit", ...args);
  return { host, policy: host.policy as CreditPolicy };
}

describe("credit (credit1)", () => {
  it("boosts a waking I/O vCPU that has credit left, and a boosted one waits no longer than the ratelimit", () => {
    const { host, policy } = creditHost(1, [
      { domid: 1 },
      { domid: 2 },
      { domid: 3, demand: "io:burst=1ms,sleep=10ms" },
    ]);
    // Unpaused after the CPU-bound ones have settled: at time 0 every unit wakes boosted at once.
    host.setDomainActive(3, false);
    runFor(host, 1000);
    host.setDomainActive(3, true);
    runFor(host, 10_000);
    const io = host.vcpus(3)[0]!;
    const state = policy.unitState(io);
    // Most wake-ups are boosted. Not all: only a unit seen running at a 10 ms tick joins the active
    // list and earns credit, so a light I/O vCPU's credit can drift below 0 between sightings and it
    // then wakes OVER (credit1 as written).
    expect(state.boostCount).toBeGreaterThan(0.75 * io.waits.waitCount);
    expect(state.boostedWaitNsMax).toBeLessThanOrEqual(1000 * 1000); // ratelimit 1000 µs
    expect(state.boostedWaitNsMax).toBeLessThan(30 * NS_PER_MS);
  });

  it("boosts a CPU-bound vCPU only when it first wakes; it swings between UNDER and OVER", () => {
    const { host, policy } = creditHost(1, [{ domid: 1, weight: 512 }, { domid: 2 }]);
    const seen = new Set<number>();
    runFor(host, 3000, 10, () => seen.add(policy.unitState(host.vcpus(2)[0]!).pri));
    expect(policy.unitState(host.vcpus(2)[0]!).boostCount).toBe(1); // only on unpause, its first wake
    expect([...seen]).toEqual(expect.arrayContaining([PRI_OVER, PRI_UNDER]));
  });

  it("parks a capped vCPU that overspends and unparks it when its credit is back", () => {
    const { host, policy } = creditHost(2, [{ domid: 1, cap: 30 }]);
    let parkedSteps = 0;
    runFor(host, 3000, 10, () => (parkedSteps += policy.unitState(host.vcpus(1)[0]!).parked ? 1 : 0));
    expect(parkedSteps).toBeGreaterThan(0.5 * 300);
    expect(parkedSteps).toBeLessThan(300);
    expect(cpuSeconds(host, 1) / 3).toBeLessThanOrEqual(0.31);
  });

  // Credit1 hands out credit for every pCPU of the pool (300 per pCPU per 30 ms), so two vCPUs
  // pinned to one of four pCPUs both get more than they can burn, stay UNDER and alternate: weight
  // is not honoured under such pinning. Kept as Xen's code does it; credit2 differs (see its test).
  it("shares 1:1 between weights 512 and 256 pinned to one of four pCPUs, as Xen's credit1 does", () => {
    const { host } = creditHost(4, [
      { domid: 1, weight: 512, pin: [0] },
      { domid: 2, weight: 256, pin: [0] },
    ]);
    runFor(host, 6000);
    expect(cpuSeconds(host, 1) / cpuSeconds(host, 2)).toBeCloseTo(1, 1);
  });

  it("runs a vCPU for a whole timeslice, and for the new one after tslice is changed", () => {
    const { host } = creditHost(1, [{ domid: 1 }, { domid: 2 }]);
    runFor(host, 3000);
    const switches = host.vcpus(1)[0]!.waits.waitCount;
    expect(switches).toBeGreaterThan(3000 / 60 - 3);
    expect(switches).toBeLessThan(3000 / 60 + 3);
    host.setPoolParams({ tsliceMs: 5 });
    runFor(host, 3000);
    expect(host.vcpus(1)[0]!.waits.waitCount - switches).toBeGreaterThan(3000 / 10 - 30);
  });

  it("refuses pool and domain parameters Xen refuses, and keeps the old ones", () => {
    const { host } = creditHost(2, [{ domid: 1 }]);
    expect(host.poolParams()).toEqual({ tsliceMs: 30, ratelimitUs: 1000 });
    expect(() => host.setPoolParams({ tsliceMs: 0 })).toThrow("tslice 0 ms is not in 1..1000");
    expect(() => host.setPoolParams({ ratelimitUs: 50 })).toThrow(
      "ratelimit 50 us is not 0 or in 100..500000",
    );
    expect(() => host.setPoolParams({ tsliceMs: 1, ratelimitUs: 2000 })).toThrow("longer than the 1000 us");
    expect(() => host.setDomainParams(1, { weight: 0 })).toThrow(XenError);
    expect(() => host.setDomainParams(1, { weight: 10, cap: 65535 })).toThrow("cap 65535 is not in 0..65534");
    expect(host.poolParams()).toEqual({ tsliceMs: 30, ratelimitUs: 1000 });
    expect(host.domainParams(1)).toEqual({ weight: 256, cap: 0 });
    host.setPoolParams({ ratelimitUs: 0 });
    expect(host.poolParams().ratelimitUs).toBe(0);
  });
});
