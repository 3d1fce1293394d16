import { describe, expect, it } from "vitest";
import {
  bytesPerSecondToMbitPerSecond,
  FixedBandwidthLimit,
  mbitPerSecondToBytesPerSecond,
  UNLIMITED_BANDWIDTH,
} from "./bandwidth.js";
import { buildPrecopyStats } from "./policy.js";

const NO_ROUNDS = buildPrecopyStats({ pageCountTotal: 10, pageCountDirty: 10, rounds: [] });

describe("bandwidth units", () => {
  it("uses decimal megabits: 1000 Mbit/s = 125 MB/s", () => {
    expect(mbitPerSecondToBytesPerSecond(1000)).toBe(125_000_000);
    expect(bytesPerSecondToMbitPerSecond(62_500_000)).toBe(500);
  });
});

describe("fixed and unlimited limits", () => {
  it("a fixed limit answers the same rate for every round and phase", () => {
    const limit = new FixedBandwidthLimit(1_000_000);
    expect(limit.limitBytesPerSecond(1, NO_ROUNDS)).toBe(1_000_000);
    expect(limit.limitBytesPerSecond(7, NO_ROUNDS, "stop-and-copy")).toBe(1_000_000);
    expect(limit.name).toBe("fixed");
  });

  it("unlimited is Infinity", () => {
    expect(UNLIMITED_BANDWIDTH.limitBytesPerSecond(1, NO_ROUNDS)).toBe(Infinity);
  });

  it("rejects a non-positive rate and a bad round number as bugs", () => {
    expect(() => new FixedBandwidthLimit(0)).toThrow(/assertion failed/);
    expect(() => new FixedBandwidthLimit(10).limitBytesPerSecond(0, NO_ROUNDS)).toThrow(/round 0/);
  });
});
