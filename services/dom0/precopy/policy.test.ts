import { describe, expect, it } from "vitest";
import { assertPrecopyStats, buildPrecopyStats, roundBandwidthBytesPerSecond } from "./policy.js";
import type { PrecopyRound, PrecopyStats } from "./policy.js";

const round = (n: number, pageCountSent: number, durationMs = 1000): PrecopyRound => ({
  round: n,
  pageCountSent,
  pageCountDirtiedDuring: 10,
  durationMs,
  bytesSent: pageCountSent * 4096,
});

describe("buildPrecopyStats", () => {
  it("derives iteration, totals, elapsed time and last-round bandwidth from the rounds", () => {
    const stats = buildPrecopyStats({
      pageCountTotal: 1000,
      pageCountDirty: 7,
      rounds: [round(1, 1000, 2000), round(2, 100, 500)],
    });
    expect(stats.iteration).toBe(2);
    expect(stats.pageCountSentTotal).toBe(1100);
    expect(stats.elapsedMs).toBe(2500);
    expect(stats.bandwidthBytesPerSecond).toBe((100 * 4096) / 0.5);
    expect(stats.pageCountDirty).toBe(7);
  });

  it("copies the rounds, so stats handed to a policy do not change afterwards", () => {
    const rounds = [round(1, 1000)];
    const stats = buildPrecopyStats({ pageCountTotal: 1000, pageCountDirty: 7, rounds });
    rounds.push(round(2, 10));
    expect(stats.rounds).toHaveLength(1);
  });

  it("reports zero bandwidth before any round", () => {
    const stats = buildPrecopyStats({ pageCountTotal: 10, pageCountDirty: 10, rounds: [] });
    expect(stats.iteration).toBe(0);
    expect(stats.bandwidthBytesPerSecond).toBe(0);
  });
});

describe("roundBandwidthBytesPerSecond", () => {
  it("is Infinity for a round that sent bytes in no time, 0 for an empty one", () => {
    expect(roundBandwidthBytesPerSecond(round(1, 5, 0))).toBe(Infinity);
    expect(roundBandwidthBytesPerSecond({ ...round(1, 0, 0), bytesSent: 0 })).toBe(0);
  });
});

describe("assertPrecopyStats", () => {
  const good: PrecopyStats = buildPrecopyStats({
    pageCountTotal: 100,
    pageCountDirty: 5,
    rounds: [round(1, 100)],
  });

  it("accepts consistent stats", () => {
    expect(() => assertPrecopyStats(good)).not.toThrow();
  });

  it.each<[string, Partial<PrecopyStats>]>([
    ["a negative dirty count", { pageCountDirty: -1 }],
    ["a NaN total", { pageCountTotal: NaN }],
    ["an iteration that does not match the rounds", { iteration: 2 }],
    ["a fractional iteration", { iteration: 0.5, rounds: [] }],
    ["misnumbered rounds", { rounds: [round(2, 100)] }],
    ["a negative elapsed time", { elapsedMs: -1 }],
  ])("throws on %s", (_what, change) => {
    expect(() => assertPrecopyStats({ ...good, ...change })).toThrow(/assertion failed/);
  });
});
