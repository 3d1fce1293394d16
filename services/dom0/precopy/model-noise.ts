import { assert } from "../../core/errors.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import type { PrecopyModelResult } from "./model.js";

/**
 * How far an engine may honestly stray from the fluid pre-copy model (model.ts) under uniform
 * random dirtying, round by round. The derivation is in docs/specs/migration-statistics.md
 * ("Model check"); in short, for the dirty set V_i (pages) that round i sends, i >= 2:
 *
 * - noise: V_i is the number of distinct pages hit by a fixed number of uniform writes on N pages.
 *   Its variance is at most the binomial N p (1 - p), p = V_i / N, so its relative standard deviation
 *   is at most sqrt((1 - p) / V_i). V_i depends on V_(i-1) through the round's duration with an
 *   elasticity d ln V_i / d ln V_(i-1) <= 1 (the curve W (1 - e^(-x)) is concave through 0), so the
 *   relative variances of earlier draws add: sigma_i^2 <= sigma_(i-1)^2 + (1 - p_i) / V_i.
 * - granularity (deterministic, added linearly): the guest writes once per tick, so a round of t ms
 *   sees up to one tick more or less of writes (tickMs / t); round 1 starts with a full pacer bucket
 *   and ends up to burst / B early.
 *
 * Relative tolerance of V_i = sigmaCount x sigma_i + granularity_i.
 */
export interface ModelNoiseOptions {
  /** Standard deviations allowed; 4 leaves a 6e-5 two-sided chance per figure for a correct engine. */
  sigmaCount: number;
  /** The guest's write tick. */
  tickMs: number;
  /** Bytes the pacer may send at once after idling (its bucket starts full). */
  burstByteCount: number;
}

export const MODEL_CHECK_SIGMA_COUNT = 4;

export interface RoundTolerance {
  /** 1 = the full copy (no tolerance needed: it is all of memory). */
  round: number;
  pageCountModel: number;
  sigmaRelative: number;
  granularityRelative: number;
  /** sigmaCount x sigmaRelative + granularityRelative. */
  toleranceRelative: number;
}

export interface ModelTolerances {
  rounds: RoundTolerance[];
  /** Bytes sent after round 1 (what varies): the model's, and its relative tolerance. */
  bytesAfterRound1Model: number;
  bytesAfterRound1ToleranceRelative: number;
}

export function modelTolerances(
  model: PrecopyModelResult,
  pageCountTotal: number,
  options: ModelNoiseOptions,
): ModelTolerances {
  assert(model.rounds.length >= 1, "a model with no rounds");
  assert(pageCountTotal >= 1 && options.sigmaCount > 0 && options.tickMs >= 0, "model noise options");
  const rounds: RoundTolerance[] = [];
  let variance = 0;
  let granularity = 0;
  model.rounds.forEach((round, index) => {
    const pageCountModel = round.bytesSent / PAGE_SIZE_BYTES;
    const previous = model.rounds[index - 1];
    if (previous !== undefined) {
      const p = Math.min(1, pageCountModel / pageCountTotal);
      variance += pageCountModel > 0 ? (1 - p) / pageCountModel : 0;
      const burstMs = index === 1 ? (options.burstByteCount * 1000) / previous.bandwidthBytesPerSecond : 0;
      granularity += previous.durationMs > 0 ? (options.tickMs + burstMs) / previous.durationMs : 0;
    }
    const sigmaRelative = Math.sqrt(variance);
    rounds.push({
      round: round.round,
      pageCountModel,
      sigmaRelative,
      granularityRelative: granularity,
      toleranceRelative: options.sigmaCount * sigmaRelative + granularity,
    });
  });
  return { rounds, ...afterRound1(rounds) };
}

/**
 * The rounds' errors are positively correlated (each propagates into the next), so the tolerance
 * of their sum is bounded by adding the per-round absolute tolerances.
 */
function afterRound1(
  rounds: RoundTolerance[],
): Pick<ModelTolerances, "bytesAfterRound1Model" | "bytesAfterRound1ToleranceRelative"> {
  const later = rounds.slice(1);
  const pageCount = later.reduce((sum, r) => sum + r.pageCountModel, 0);
  const pageCountTolerance = later.reduce((sum, r) => sum + r.pageCountModel * r.toleranceRelative, 0);
  return {
    bytesAfterRound1Model: pageCount * PAGE_SIZE_BYTES,
    bytesAfterRound1ToleranceRelative: pageCount > 0 ? pageCountTolerance / pageCount : 0,
  };
}
