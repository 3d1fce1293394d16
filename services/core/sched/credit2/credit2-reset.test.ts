import { afterEach, describe, expect, it, vi } from "vitest";
import { runFor, testHost, type TestDomain } from "../test-host.js";
import { CapBudgets } from "./cap-budget.js";
import type { Credit2Policy } from "./credit2-policy.js";

// Without caps, a credit reset touches only the running units and those whose credit is off the
// maximum (Credit2Runqueue.offCap); with caps it walks every unit. Forcing the walk on a host with
// no cap must give the same credits, CPU times and waits at every step.

/** Every vCPU's credit, runqueue, CPU time and waits, after each step of `durationMs`. */
function trace(domains: readonly TestDomain[], pcpuCount: number, walkAlways: boolean): string[] {
  if (walkAlways) vi.spyOn(CapBudgets.prototype, "anyCapped", "get").mockReturnValue(true);
  const host = testHost("credit2", pcpuCount, domains, 3);
  const policy = host.policy as Credit2Policy;
  const steps: string[] = [];
  runFor(host, 1500, 1, () => {
    const state = domains.flatMap((domain) =>
      host.vcpus(domain.domid).map((vcpu) => {
        const { credit, runqueue } = policy.unitState(vcpu);
        return `${credit}/${runqueue}/${vcpu.cpuTimeNs}/${vcpu.waits.waitNsTotal}/${vcpu.runState}`;
      }),
    );
    steps.push(state.join(" "));
  });
  vi.restoreAllMocks();
  return steps;
}

describe("credit2 credit reset", () => {
  afterEach(() => vi.restoreAllMocks());

  const mixes: [string, number, TestDomain[]][] = [
    [
      "weights and demands on one runqueue",
      4,
      [
        { domid: 1, weight: 512 },
        { domid: 2, demand: "io:burst=1ms,sleep=4ms" },
        { domid: 3, demand: "idle", vcpus: 2 },
        { domid: 4, demand: "bursty:on=30ms,off=20ms", weight: 100 },
        { domid: 5, demand: "cpu", vcpus: 3, pin: [1, 2] },
        { domid: 6, demand: "idle" },
      ],
    ],
    [
      "two runqueues (20 pCPUs), units moving between them",
      20,
      Array.from({ length: 26 }, (_, i) => ({
        domid: i + 1,
        demand: ["cpu", "io:burst=2ms,sleep=3ms", "idle", "bursty:on=15ms,off=10ms"][i % 4],
        weight: 128 + 64 * (i % 5),
      })),
    ],
  ];
  for (const [what, pcpuCount, domains] of mixes) {
    it(`gives what the walk over every unit gives: ${what}`, () => {
      const skipping = trace(domains, pcpuCount, false);
      const walking = trace(domains, pcpuCount, true);
      expect(skipping.length).toBe(1500);
      expect(skipping).toEqual(walking);
      expect(new Set(skipping).size).toBeGreaterThan(1000); // the units did move
    });
  }
});
