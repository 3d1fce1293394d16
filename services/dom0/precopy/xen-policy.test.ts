import { describe, expect, it } from "vitest";
import { buildPrecopyStats } from "./policy.js";
import type { PrecopyRound, PrecopyStats } from "./policy.js";
import { createXenPolicy, XEN_SPP_MAX_ITERATIONS, XEN_SPP_TARGET_DIRTY_COUNT } from "./xen-policy.js";

function statsAt(iteration: number, pageCountDirty: number): PrecopyStats {
  const rounds: PrecopyRound[] = Array.from({ length: iteration }, (_, i) => ({
    round: i + 1,
    pageCountSent: 1000,
    pageCountDirtiedDuring: 500,
    durationMs: 100,
    bytesSent: 1000 * 4096,
  }));
  return buildPrecopyStats({ pageCountTotal: 262144, pageCountDirty, rounds });
}

describe("xen policy (simple_precopy_policy)", () => {
  const policy = createXenPolicy();

  it("uses Xen's constants", () => {
    expect(XEN_SPP_MAX_ITERATIONS).toBe(5);
    expect(XEN_SPP_TARGET_DIRTY_COUNT).toBe(50);
    expect(policy.name).toBe("xen");
  });

  it("stops at 49 dirty pages and continues at 50", () => {
    expect(policy.decide(statsAt(1, 49))).toEqual({ action: "stop-and-copy", reason: "dirty 49 < 50 pages" });
    expect(policy.decide(statsAt(1, 50))).toEqual({ action: "continue" });
  });

  it("continues after iteration 4 and stops at iteration 5", () => {
    expect(policy.decide(statsAt(4, 10_000))).toEqual({ action: "continue" });
    expect(policy.decide(statsAt(5, 10_000))).toEqual({ action: "stop-and-copy", reason: "iteration cap 5" });
  });

  it("names the dirty rule when both rules fire", () => {
    expect(policy.decide(statsAt(5, 0))).toMatchObject({ reason: "dirty 0 < 50 pages" });
  });

  it("takes SUSE-style max_iters / min_remaining overrides", () => {
    const tuned = createXenPolicy({ iterationCountMax: 8, dirtyPageCountTarget: 1000 });
    expect(tuned.decide(statsAt(5, 5000)).action).toBe("continue");
    expect(tuned.decide(statsAt(8, 5000))).toMatchObject({ reason: "iteration cap 8" });
    expect(tuned.decide(statsAt(2, 999))).toMatchObject({ reason: "dirty 999 < 1000 pages" });
  });

  it("rejects inconsistent stats as a bug", () => {
    expect(() => policy.decide({ ...statsAt(2, 100), iteration: 3 })).toThrow(/assertion failed/);
  });
});
