import { describe, expect, it } from "vitest";
import { ToolstackError } from "../errors.js";
import {
  AUTO_CONVERGE_INITIAL_STATE,
  AutoConverge,
  autoConvergeStep,
  autoConvergeThrottleFraction,
  resolveAutoConvergeOptions,
} from "./auto-converge.js";
import type { PrecopyRound } from "./policy.js";
import { PrecopyOptionError } from "./errors.js";

/** A round that sent 1000 pages while the guest dirtied `pageCountDirtiedDuring`. */
const round = (n: number, pageCountDirtiedDuring: number): PrecopyRound => ({
  round: n,
  pageCountSent: 1000,
  pageCountDirtiedDuring,
  durationMs: 100,
  bytesSent: 1000 * 4096,
});

describe("AutoConverge", () => {
  it("throttles a non-converging guest 20 -> 30 -> ... -> 90 -> 99 %, stepping every second high round", () => {
    const ac = new AutoConverge();
    const fractions = Array.from({ length: 20 }, (_, i) => ac.observe(round(i + 1, 900)));
    expect(fractions).toEqual([
      0, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.7, 0.7, 0.8, 0.8, 0.9, 0.9, 0.99, 0.99, 0.99,
    ]);
  });

  it("never throttles a converging guest", () => {
    const ac = new AutoConverge();
    for (let n = 1; n <= 30; n++) ac.observe(round(n, 100));
    expect(ac.throttleFraction).toBe(0);
    expect(ac.state).toEqual(AUTO_CONVERGE_INITIAL_STATE);
  });

  it("needs the dirtied bytes strictly above 50 % of those sent", () => {
    const ac = new AutoConverge();
    ac.observe(round(1, 500));
    expect(ac.observe(round(2, 500))).toBe(0);
    ac.observe(round(3, 501));
    expect(ac.observe(round(4, 501))).toBe(0.2);
  });

  it("counts high periods across low ones, as QEMU's dirty_rate_high_cnt", () => {
    const ac = new AutoConverge();
    ac.observe(round(1, 900));
    ac.observe(round(2, 10));
    expect(ac.observe(round(3, 900))).toBe(0.2);
  });

  it("follows cpu-throttle-initial, -increment and max-cpu-throttle", () => {
    const ac = new AutoConverge({
      throttleInitialPercent: 50,
      throttleIncrementPercent: 30,
      throttleMaxPercent: 95,
    });
    const fractions = Array.from({ length: 6 }, (_, i) => ac.observe(round(i + 1, 900)));
    expect(fractions).toEqual([0, 0.5, 0.5, 0.8, 0.8, 0.95]);
  });

  it("with tailslow, steps by the gap to the ideal CPU share when that is below the increment", () => {
    const options = resolveAutoConvergeOptions({ tailslow: true });
    // At 20 % throttle, dirtying 520 of 1000 pages sent: ideal CPU = floor(80 x 500/520) = 76, step 4.
    const state = autoConvergeStep({ throttlePercent: 20, dirtyRateHighCount: 1 }, round(5, 520), options);
    expect(state).toEqual({ throttlePercent: 24, dirtyRateHighCount: 0 });
    const far = autoConvergeStep({ throttlePercent: 20, dirtyRateHighCount: 1 }, round(5, 1000), options);
    expect(far.throttlePercent).toBe(30);
  });

  it("as a pure fold over the rounds agrees with the class", () => {
    const rounds = [900, 900, 10, 900, 900, 900].map((d, i) => round(i + 1, d));
    const ac = new AutoConverge();
    rounds.forEach((r) => ac.observe(r));
    expect(autoConvergeThrottleFraction(rounds)).toBe(ac.throttleFraction);
    expect(ac.throttleFraction).toBe(0.3);
  });

  it.each([
    [{ throttleInitialPercent: 0 }, /throttleInitialPercent 0 is not a whole number in 1..99/],
    [{ throttleMaxPercent: 100 }, /throttleMaxPercent 100/],
    [{ throttleIncrementPercent: 2.5 }, /throttleIncrementPercent 2.5/],
    [{ triggerThresholdPercent: 101 }, /triggerThresholdPercent 101 is not a whole number in 1..100/],
  ])("refuses out-of-range settings %o", (options, message) => {
    expect(() => new AutoConverge(options)).toThrow(PrecopyOptionError);
    expect(() => new AutoConverge(options)).toThrow(message);
    expect(() => new AutoConverge(options)).toThrow(ToolstackError);
  });
});
