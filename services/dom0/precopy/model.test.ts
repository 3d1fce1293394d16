import { describe, expect, it } from "vitest";
import { GIB } from "../../core/units.js";
import { FixedBandwidthLimit } from "./bandwidth.js";
import { DynamicRateLimit } from "./dynamic-rate-limit.js";
import { linearModel } from "./model-linear.js";
import { simulatePrecopyModel } from "./model.js";
import type { PrecopyModelInput } from "./model.js";
import type { PrecopyPolicy } from "./policy.js";
import { createQemuPolicy } from "./qemu-policy.js";
import { createXenLegacyPolicy } from "./xen-legacy-policy.js";
import { createXenPolicy } from "./xen-policy.js";

const M = 4 * GIB;
const B = 125e6;
const BASE: PrecopyModelInput = {
  memoryBytes: M,
  bandwidthBytesPerSecond: B,
  dirtyBytesPerSecond: 50e6,
  dirtying: "uniform-random",
  policy: createQemuPolicy({ downtimeLimitMs: 300 }),
};

describe("pre-copy model driven by a policy (comparables.md §5 vectors)", () => {
  it("linear dirtying under the QEMU rule matches the closed form: n = 6, 7 146 550 703 B", () => {
    const result = simulatePrecopyModel({ ...BASE, dirtying: "linear" });
    const closed = linearModel({
      memoryBytes: M,
      bandwidthBytesPerSecond: B,
      dirtyBytesPerSecond: 50e6,
      thresholdBytes: B * 0.3,
      iterationCountMax: 100,
    });
    expect(result.precopyRoundCount).toBe(6);
    expect(result.precopyRoundCount).toBe(closed.precopyRoundCount);
    expect(Math.round(result.bytesSentTotal)).toBe(7_146_550_703);
    expect(result.bytesSentTotal).toBeCloseTo(closed.bytesSentTotal, 0);
    expect(result.totalMs / 1000).toBeCloseTo(57.17, 2);
    expect(result.downtimeMs! / 1000).toBeCloseTo(0.1407, 4);
  });

  it("uniform-random dirtying (W = M): n = 5, 6 563 389 501 B, 52.51 s, 0.2615 s", () => {
    const result = simulatePrecopyModel(BASE);
    expect(result.precopyRoundCount).toBe(5);
    expect(Math.round(result.bytesSentTotal)).toBe(6_563_389_501);
    expect(result.totalMs / 1000).toBeCloseTo(52.51, 2);
    expect(result.downtimeMs! / 1000).toBeCloseTo(0.2615, 4);
    expect(result.decision.action).toBe("stop-and-copy");
  });

  it("D = 2B under Xen's 5-round cap: 5 rounds, 21.88 GB, 175.0 s, 27.4 s downtime", () => {
    const result = simulatePrecopyModel({ ...BASE, dirtyBytesPerSecond: 2 * B, policy: createXenPolicy() });
    expect(result.precopyRoundCount).toBe(5);
    expect(result.decision).toEqual({ action: "stop-and-copy", reason: "iteration cap 5" });
    expect(result.bytesSentTotal / 1e9).toBeCloseTo(21.88, 2);
    expect(result.totalMs / 1000).toBeCloseTo(175.0, 1);
    expect(result.downtimeMs! / 1000).toBeCloseTo(27.4, 1);
    // The final dirty set sits near the fixed point x W, x = 1 - e^(-2x) = 0.797.
    expect(result.rounds.at(-1)!.bytesSent / M).toBeCloseTo(0.797, 2);
  });

  it("numbers the rounds 1..n live then n + 1 stop-and-copy, with downtime = the last round", () => {
    const result = simulatePrecopyModel(BASE);
    expect(result.rounds.map((r) => [r.round, r.phase])).toEqual([
      [1, "live"],
      [2, "live"],
      [3, "live"],
      [4, "live"],
      [5, "live"],
      [6, "stop-and-copy"],
    ]);
    expect(result.rounds[0]!.bytesSent).toBe(M);
    expect(result.downtimeMs).toBe(result.rounds[5]!.durationMs);
  });

  it("the legacy policy stops D = 2B at the 3x memory factor after 4 rounds", () => {
    const result = simulatePrecopyModel({
      ...BASE,
      dirtyBytesPerSecond: 2 * B,
      policy: createXenLegacyPolicy(),
    });
    expect(result.precopyRoundCount).toBe(4);
    expect(result.decision.reason).toMatch(/^sent [\d.]+ > 3 x 1048576 pages$/);
  });

  it("capped-linear dirtying never dirties more than the working set", () => {
    const result = simulatePrecopyModel({
      ...BASE,
      dirtying: "capped-linear",
      dirtyBytesPerSecond: 2 * B,
      workingSetBytes: 0.5 * M,
      policy: createXenPolicy(),
    });
    expect(result.rounds.slice(1).every((r) => r.bytesSent <= 0.5 * M)).toBe(true);
    expect(result.downtimeMs! / 1000).toBeCloseTo((0.5 * M) / B, 6);
  });

  it("reports an abort with no downtime and no stop-and-copy round", () => {
    const result = simulatePrecopyModel({
      ...BASE,
      dirtyBytesPerSecond: 2 * B,
      policy: createQemuPolicy({ iterationCountMax: 7 }),
    });
    expect(result.decision.action).toBe("abort");
    expect(result.downtimeMs).toBeNull();
    expect(result.rounds.every((r) => r.phase === "live")).toBe(true);
    expect(result.precopyRoundCount).toBe(7);
  });

  it("auto-converge lets a D = 2B guest converge under the QEMU rule", () => {
    const without = simulatePrecopyModel({ ...BASE, dirtyBytesPerSecond: 2 * B });
    const withThrottle = simulatePrecopyModel({ ...BASE, dirtyBytesPerSecond: 2 * B, autoConverge: {} });
    expect(without.decision.action).toBe("abort");
    expect(withThrottle.decision.action).toBe("stop-and-copy");
    expect(withThrottle.downtimeMs!).toBeLessThan(300);
    expect(withThrottle.rounds.at(-1)!.throttleFraction).toBeGreaterThan(0.5);
  });

  it("runs each round at min(link, limit): a 50 MB/s cap slows the full copy", () => {
    const result = simulatePrecopyModel({ ...BASE, bandwidthLimit: new FixedBandwidthLimit(50e6) });
    expect(result.rounds[0]!.durationMs).toBeCloseTo((M / 50e6) * 1000, 6);
    expect(result.rounds.every((r) => r.bandwidthBytesPerSecond === 50e6)).toBe(true);
  });

  it("under the dynamic rate limit, starts at 100 Mbit/s and does stop-and-copy at 500 Mbit/s", () => {
    const result = simulatePrecopyModel({
      ...BASE,
      bandwidthLimit: new DynamicRateLimit(),
      policy: createXenPolicy(),
    });
    expect(result.rounds[0]!.bandwidthBytesPerSecond).toBe(12.5e6);
    expect(result.rounds.at(-1)!.bandwidthBytesPerSecond).toBe(62.5e6);
  });

  it("treats a policy that never stops as a bug", () => {
    const never: PrecopyPolicy = { name: "never", decide: () => ({ action: "continue" }) };
    expect(() => simulatePrecopyModel({ ...BASE, policy: never })).toThrow(/did not stop in 2000 rounds/);
  });
});
