import { describe, expect, it } from "vitest";
import { cpuSeconds, runFor, testHost } from "../test-host.js";
import { CARRYOVER_MAX_NS, CREDIT_INIT_NS } from "./constants.js";
import type { Credit2Policy } from "./credit2-policy.js";

const NS_PER_MS = 1_000_000;

describe("credit2", () => {
  // Credit is per runqueue and burns at max_weight / weight, so weight holds under pinning too.
  // Tolerance ±5 % of the ratio over 6 s (slices are at most 10 ms).
  it("shares 2:1 between weights 512 and 256 pinned to pCPU 0 of a four-pCPU host", () => {
    const host = testHost("credit2", 4, [
      { domid: 1, weight: 512, pin: [0] },
      { domid: 2, weight: 256, pin: [0] },
    ]);
    runFor(host, 6000);
    const ratio = cpuSeconds(host, 1) / cpuSeconds(host, 2);
    expect(ratio).toBeGreaterThan(2 * 0.95);
    expect(ratio).toBeLessThan(2 * 1.05);
  });

  it("keeps every unit's credit at or below CREDIT_INIT + CARRYOVER_MAX across resets", () => {
    const host = testHost(
      "credit2",
      2,
      [1, 2, 3, 4, 5].map((domid) => ({ domid, weight: 128 * domid })),
    );
    const policy = host.policy as Credit2Policy;
    let creditMax = -Infinity;
    runFor(host, 2000, 1, () => {
      for (const domid of host.domids())
        creditMax = Math.max(creditMax, policy.unitState(host.vcpus(domid)[0]!).credit);
    });
    expect(creditMax).toBeLessThanOrEqual(CREDIT_INIT_NS + CARRYOVER_MAX_NS);
  });

  it("lets a waking I/O vCPU preempt within the ratelimit: it has more credit than CPU-bound ones", () => {
    const host = testHost("credit2", 1, [
      { domid: 1 },
      { domid: 2 },
      { domid: 3, demand: "io:burst=1ms,sleep=10ms" },
    ]);
    runFor(host, 10_000);
    expect(host.vcpus(3)[0]!.waits.waitNsMax).toBeLessThan(30 * NS_PER_MS);
  });

  it("splits more than 16 pCPUs into runqueues and still keeps every pCPU busy", () => {
    const host = testHost(
      "credit2",
      20,
      Array.from({ length: 30 }, (_, i) => ({ domid: i + 1 })),
    );
    runFor(host, 2000);
    const runqueues = new Set(
      host.domids().map((domid) => (host.policy as Credit2Policy).unitState(host.vcpus(domid)[0]!).runqueue),
    );
    expect([...runqueues].sort()).toEqual([0, 1]);
    const totalS = host.domids().reduce((sum, domid) => sum + cpuSeconds(host, domid), 0);
    expect(totalS).toBeGreaterThan(20 * 2 * 0.99);
  });

  it("has a ratelimit but no timeslice, and caps at 100 % per vCPU", () => {
    const host = testHost("credit2", 2, [{ domid: 1, vcpus: 2 }]);
    expect(host.poolParams()).toEqual({ ratelimitUs: 1000 });
    expect(() => host.setPoolParams({ tsliceMs: 10 })).toThrow("credit2 has no timeslice parameter");
    expect(() => host.setDomainParams(1, { cap: 201 })).toThrow("cap 201 is not in 0..200");
    host.setPoolParams({ ratelimitUs: 500 });
    host.setDomainParams(1, { cap: 200, weight: 65535 });
    expect(host.poolParams()).toEqual({ ratelimitUs: 500 });
    expect(host.domainParams(1)).toEqual({ cap: 200, weight: 65535 });
  });
});
