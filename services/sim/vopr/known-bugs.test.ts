import { describe, expect, it } from "vitest";
import { runVopr } from "./vopr.js";
import type { FaultKind } from "./actions.js";

/**
 * Bugs the VOPR found in code other branches are rewriting (issue 9: `ha` replaces the echo fence
 * and the HA restart, `names` adds cluster-unique names). Each is its failing seed, replayed
 * exactly; `it.fails` passes while the bug is there. When a fix lands, the test fails: turn it into
 * a plain `it` (a regression test) and add the fault to CI_FAULTS in vopr.test.ts.
 */
async function violations(seed: number, stepCount: number, faults: FaultKind[]): Promise<string[]> {
  return (await runVopr({ seed, stepCount, faults: new Set(faults) })).violations;
}

describe("VOPR: known open bugs (issue 9), each a fixed seed", () => {
  it.fails(
    "a 0.5-6.5 s stall of a host process destroys its guests (the echo fence fires on resume)",
    async () => {
      expect(await violations(4, 25, ["stall-host", "heal"])).toEqual([]);
    },
    120_000,
  );

  it.fails(
    "a host cut off from the broker only destroys its guests (fences though its peers see it)",
    async () => {
      expect(await violations(3, 25, ["partition-host-from-broker", "heal"])).toEqual([]);
    },
    120_000,
  );

  it.fails(
    "one forged heartbeat makes the scheduler start a second copy of a running HA guest",
    async () => {
      expect(await violations(7, 8, ["forged-heartbeat", "heal"])).toEqual([]);
    },
    120_000,
  );

  it.fails(
    "a host killed while the scheduler is down: the restarted scheduler never restarts its HA guests",
    async () => {
      expect(await violations(15, 30, ["kill-host", "restart-host", "scheduler-crash", "heal"])).toEqual([]);
    },
    120_000,
  );

  it.fails(
    "names are not unique in the cluster: a second create of a name in use succeeds",
    async () => {
      expect(await violations(10, 6, ["duplicate-name"])).toEqual([]);
    },
    120_000,
  );
});
