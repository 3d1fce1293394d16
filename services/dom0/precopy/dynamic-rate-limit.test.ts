import { describe, expect, it } from "vitest";
import { mbitPerSecondToBytesPerSecond } from "./bandwidth.js";
import {
  CLARK_RATE_INCREMENT_MBIT_PER_SECOND,
  CLARK_RATE_MAX_MBIT_PER_SECOND,
  CLARK_RATE_START_MBIT_PER_SECOND,
  DynamicRateLimit,
  dynamicRateLimitBytesPerSecond,
} from "./dynamic-rate-limit.js";
import { buildPrecopyStats } from "./policy.js";
import type { PrecopyRound } from "./policy.js";

/** A 1 s round whose guest dirtied at `dirtyMbitPerSecond` (4096-byte pages, decimal Mbit). */
function roundDirtyingAt(round: number, dirtyMbitPerSecond: number): PrecopyRound {
  const pageCount = mbitPerSecondToBytesPerSecond(dirtyMbitPerSecond) / 4096;
  return {
    round,
    pageCountSent: 1000,
    pageCountDirtiedDuring: pageCount,
    durationMs: 1000,
    bytesSent: 4_096_000,
  };
}

function mbitForNextRound(rounds: PrecopyRound[], raiseOnly = false): number {
  const limit = new DynamicRateLimit({ raiseOnly });
  const stats = buildPrecopyStats({ pageCountTotal: 1e6, pageCountDirty: 0, rounds });
  return (limit.limitBytesPerSecond(rounds.length + 1, stats) * 8) / 1e6;
}

describe("Clark et al.'s dynamic rate limit", () => {
  it("uses the paper's 100 / +50 / 500 Mbit/s", () => {
    expect([
      CLARK_RATE_START_MBIT_PER_SECOND,
      CLARK_RATE_INCREMENT_MBIT_PER_SECOND,
      CLARK_RATE_MAX_MBIT_PER_SECOND,
    ]).toEqual([100, 50, 500]);
  });

  it("goes 100 -> dirty + 50 -> ... -> capped at 500 Mbit/s", () => {
    const dirtyMbit = [80, 200, 420, 700];
    const rounds = dirtyMbit.map((d, i) => roundDirtyingAt(i + 1, d));
    const sequence = [0, 1, 2, 3, 4].map((k) => mbitForNextRound(rounds.slice(0, k)));
    expect(sequence.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([100, 130, 250, 470, 500]);
  });

  it("follows a falling dirty rate down (paper rule) but not with raiseOnly (2005 code)", () => {
    const rounds = [roundDirtyingAt(1, 300), roundDirtyingAt(2, 20)];
    expect(mbitForNextRound(rounds)).toBeCloseTo(70, 9);
    expect(mbitForNextRound(rounds, true)).toBeCloseTo(350, 9);
    expect(mbitForNextRound([roundDirtyingAt(1, 20)], true)).toBe(100);
  });

  it("runs the stop-and-copy round at the maximum", () => {
    const stats = buildPrecopyStats({
      pageCountTotal: 1e6,
      pageCountDirty: 0,
      rounds: [roundDirtyingAt(1, 10)],
    });
    expect(new DynamicRateLimit().limitBytesPerSecond(2, stats, "stop-and-copy")).toBe(62_500_000);
  });

  it("reports when the rate is at its cap, and caps a round that took no time", () => {
    expect(dynamicRateLimitBytesPerSecond([roundDirtyingAt(1, 460)]).atMax).toBe(true);
    expect(dynamicRateLimitBytesPerSecond([roundDirtyingAt(1, 440)]).atMax).toBe(false);
    const instant = { ...roundDirtyingAt(1, 10), durationMs: 0 };
    expect(dynamicRateLimitBytesPerSecond([instant]).bytesPerSecond).toBe(62_500_000);
  });

  it("answers a round from the rounds before it, and refuses a round it has no data for", () => {
    const rounds = [roundDirtyingAt(1, 200), roundDirtyingAt(2, 400)];
    const stats = buildPrecopyStats({ pageCountTotal: 1e6, pageCountDirty: 0, rounds });
    expect((new DynamicRateLimit().limitBytesPerSecond(2, stats) * 8) / 1e6).toBeCloseTo(250, 9);
    expect(() => new DynamicRateLimit().limitBytesPerSecond(4, stats)).toThrow(/round 4 asked with 2 rounds/);
  });
});
