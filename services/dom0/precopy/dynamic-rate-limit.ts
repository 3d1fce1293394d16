import { assert } from "../../core/errors.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { assertRoundNumber, mbitPerSecondToBytesPerSecond } from "./bandwidth.js";
import type { BandwidthLimit, RoundPhase } from "./bandwidth.js";
import type { PrecopyRound, PrecopyStats } from "./policy.js";

/** Clark et al., NSDI'05, and Xen's 2005 xc_linux_save ADAPTIVE_SAVE: START_MBIT_RATE. */
export const CLARK_RATE_START_MBIT_PER_SECOND = 100;
/** ADAPTIVE_SAVE: MAX_MBIT_RATE; the stop-and-copy round also runs at this rate. */
export const CLARK_RATE_MAX_MBIT_PER_SECOND = 500;
/** The paper's empirically chosen step over the last round's dirtying rate. */
export const CLARK_RATE_INCREMENT_MBIT_PER_SECOND = 50;

export interface DynamicRateLimitOptions {
  startMbitPerSecond?: number;
  maxMbitPerSecond?: number;
  incrementMbitPerSecond?: number;
  /**
   * false (default): the paper's rule, limit = last round's dirty rate + 50, so it may also fall.
   * true: the 2005 code's print_stats, which only raised the rate when the dirty rate exceeded it.
   */
  raiseOnly?: boolean;
}

export interface DynamicRate {
  bytesPerSecond: number;
  atMax: boolean;
}

function dirtyRateBytesPerSecond(round: PrecopyRound): number {
  const dirtyByteCount = round.pageCountDirtiedDuring * PAGE_SIZE_BYTES;
  if (round.durationMs === 0) return dirtyByteCount === 0 ? 0 : Infinity;
  return (dirtyByteCount * 1000) / round.durationMs;
}

/** The rate for the round after `roundsBefore` (the first round when empty). */
export function dynamicRateLimitBytesPerSecond(
  roundsBefore: readonly PrecopyRound[],
  options: DynamicRateLimitOptions = {},
): DynamicRate {
  const startBytesPerSecond = mbitPerSecondToBytesPerSecond(
    options.startMbitPerSecond ?? CLARK_RATE_START_MBIT_PER_SECOND,
  );
  const maxBytesPerSecond = mbitPerSecondToBytesPerSecond(
    options.maxMbitPerSecond ?? CLARK_RATE_MAX_MBIT_PER_SECOND,
  );
  const incrementBytesPerSecond = mbitPerSecondToBytesPerSecond(
    options.incrementMbitPerSecond ?? CLARK_RATE_INCREMENT_MBIT_PER_SECOND,
  );
  assert(startBytesPerSecond > 0 && startBytesPerSecond <= maxBytesPerSecond, "dynamic rate start/max");
  let rate = startBytesPerSecond;
  for (const round of roundsBefore) {
    const dirty = dirtyRateBytesPerSecond(round);
    if (options.raiseOnly === true && dirty <= rate) continue;
    rate = Math.min(dirty + incrementBytesPerSecond, maxBytesPerSecond);
  }
  return { bytesPerSecond: rate, atMax: rate >= maxBytesPerSecond };
}

/** Clark et al.'s dynamic rate limit as a `BandwidthLimit`. */
export class DynamicRateLimit implements BandwidthLimit {
  readonly name = "dynamic";

  constructor(readonly options: DynamicRateLimitOptions = {}) {}

  limitBytesPerSecond(round: number, stats: PrecopyStats, phase: RoundPhase = "live"): number {
    assertRoundNumber(round);
    assert(stats.rounds.length >= round - 1, `round ${round} asked with ${stats.rounds.length} rounds done`);
    if (phase === "stop-and-copy") {
      return mbitPerSecondToBytesPerSecond(this.options.maxMbitPerSecond ?? CLARK_RATE_MAX_MBIT_PER_SECOND);
    }
    return dynamicRateLimitBytesPerSecond(stats.rounds.slice(0, round - 1), this.options).bytesPerSecond;
  }
}
