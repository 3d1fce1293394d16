import { assert } from "../../core/errors.js";

/**
 * The pre-copy policy interface, after Xen's `precopy_policy_t` (tools/include/xenguest.h): the
 * engine hands the statistics over by value after every live round and the policy answers continue,
 * stop-and-copy or abort (XGS_POLICY_CONTINUE_PRECOPY / STOP_AND_COPY / ABORT).
 *
 * Conventions shared by the engine, the policies and the model:
 * - Round 1 is the full copy; `iteration` counts completed live rounds, as Xen's `stats.iteration`.
 * - `decide` is called after each live round (iteration >= 1). On stop-and-copy the engine pauses the
 *   guest and sends the `pageCountDirty` pages: that final round is not a pre-copy round.
 * - Page counts are whole numbers from the engine; the fluid model (model.ts) passes fractions.
 */

/** One completed live round, as measured by the engine. */
export interface PrecopyRound {
  round: number;
  pageCountSent: number;
  /** Pages the guest dirtied while this round was being sent (the next round's dirty set). */
  pageCountDirtiedDuring: number;
  durationMs: number;
  bytesSent: number;
}

export interface PrecopyStats {
  /** Rounds completed so far (round 1 = the full copy), as Xen's stats.iteration. */
  iteration: number;
  /** Dirty pages right now (Xen's dirty_count). */
  pageCountDirty: number;
  /** Guest memory in pages (the p2m size). */
  pageCountTotal: number;
  /** Pages sent so far (Xen's total_written). */
  pageCountSentTotal: number;
  /** Measured over the last round; Infinity when the round took no time. */
  bandwidthBytesPerSecond: number;
  /** Every completed round, in order: rounds[i].round === i + 1. */
  rounds: readonly PrecopyRound[];
  elapsedMs: number;
}

export type PrecopyDecision =
  { action: "continue" } | { action: "stop-and-copy"; reason: string } | { action: "abort"; reason: string };

export interface PrecopyPolicy {
  readonly name: string;
  decide(stats: PrecopyStats): PrecopyDecision;
}

export const CONTINUE_PRECOPY: PrecopyDecision = Object.freeze({ action: "continue" });

export function stopAndCopy(reason: string): PrecopyDecision {
  return { action: "stop-and-copy", reason };
}

export function abortPrecopy(reason: string): PrecopyDecision {
  return { action: "abort", reason };
}

function isCount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

/** Stats come from the engine or the model, never from a user: a bad one is a bug. */
export function assertPrecopyStats(stats: PrecopyStats): void {
  assert(Number.isInteger(stats.iteration) && stats.iteration >= 0, `iteration ${stats.iteration}`);
  assert(isCount(stats.pageCountDirty), `pageCountDirty ${stats.pageCountDirty}`);
  assert(isCount(stats.pageCountTotal), `pageCountTotal ${stats.pageCountTotal}`);
  assert(isCount(stats.pageCountSentTotal), `pageCountSentTotal ${stats.pageCountSentTotal}`);
  assert(stats.bandwidthBytesPerSecond >= 0, `bandwidthBytesPerSecond ${stats.bandwidthBytesPerSecond}`);
  assert(isCount(stats.elapsedMs), `elapsedMs ${stats.elapsedMs}`);
  assert(
    stats.rounds.length === stats.iteration,
    `${stats.rounds.length} rounds at iteration ${stats.iteration}`,
  );
  stats.rounds.forEach((r, index) => {
    assert(r.round === index + 1, `rounds[${index}].round is ${r.round}`);
    assert(isCount(r.pageCountSent) && isCount(r.pageCountDirtiedDuring), `round ${r.round} page counts`);
    assert(isCount(r.durationMs) && isCount(r.bytesSent), `round ${r.round} duration/bytes`);
  });
}

export interface PrecopyStatsInput {
  pageCountTotal: number;
  pageCountDirty: number;
  rounds: readonly PrecopyRound[];
}

/** Derives the cumulative fields from the rounds, so engine and model fill them in the same way. */
export function buildPrecopyStats(input: PrecopyStatsInput): PrecopyStats {
  const last = input.rounds.at(-1);
  const stats: PrecopyStats = {
    iteration: input.rounds.length,
    pageCountDirty: input.pageCountDirty,
    pageCountTotal: input.pageCountTotal,
    pageCountSentTotal: input.rounds.reduce((sum, r) => sum + r.pageCountSent, 0),
    bandwidthBytesPerSecond: last === undefined ? 0 : roundBandwidthBytesPerSecond(last),
    rounds: input.rounds.slice(), // by value: the caller may keep appending to its own list
    elapsedMs: input.rounds.reduce((sum, r) => sum + r.durationMs, 0),
  };
  assertPrecopyStats(stats);
  return stats;
}

export function roundBandwidthBytesPerSecond(round: PrecopyRound): number {
  if (round.durationMs === 0) return round.bytesSent === 0 ? 0 : Infinity;
  return (round.bytesSent * 1000) / round.durationMs;
}
