import { assert } from "../../core/errors.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import {
  AUTO_CONVERGE_INITIAL_STATE,
  autoConvergeStep,
  resolveAutoConvergeOptions,
} from "./auto-converge.js";
import type { AutoConvergeOptions, AutoConvergeState, ResolvedAutoConvergeOptions } from "./auto-converge.js";
import { UNLIMITED_BANDWIDTH } from "./bandwidth.js";
import type { BandwidthLimit, RoundPhase } from "./bandwidth.js";
import { uniformDirtyBytes } from "./dirtying.js";
import { checkModelNumber } from "./model-input.js";
import { buildPrecopyStats } from "./policy.js";
import type { PrecopyDecision, PrecopyPolicy, PrecopyRound, PrecopyStats } from "./policy.js";

/**
 * How the guest dirties memory during a round of `seconds` (comparables.md §5):
 * - "linear": D t, unbounded (the closed form; can exceed memory when D > B);
 * - "capped-linear": min(D t, W), SimGrid's hard working-set cap;
 * - "uniform-random": W (1 - e^(-D t / W)), distinct pages under uniform random writes.
 */
export type DirtyingModel = "linear" | "capped-linear" | "uniform-random";

/** A policy that never stops is a bug; the model refuses to loop past this many rounds (above create-policy's 1000-round cap). */
export const MODEL_ROUND_COUNT_MAX = 2000;

export interface PrecopyModelInput {
  memoryBytes: number;
  /** The link; each round runs at min(link, bandwidthLimit). */
  bandwidthBytesPerSecond: number;
  dirtyBytesPerSecond: number;
  dirtying: DirtyingModel;
  /** W, default M. Used by "capped-linear" and "uniform-random". */
  workingSetBytes?: number;
  /** The same policy object the engine runs: model and engine agree on the stop rule by construction. */
  policy: PrecopyPolicy;
  bandwidthLimit?: BandwidthLimit;
  /** When set, a round's dirty rate is D x (1 - throttle after the rounds before it). */
  autoConverge?: AutoConvergeOptions;
}

export interface ModelRound {
  /** 1 = the full copy, as in PrecopyRound. */
  round: number;
  phase: RoundPhase;
  bytesSent: number;
  durationMs: number;
  bandwidthBytesPerSecond: number;
  throttleFraction: number;
}

export interface PrecopyModelResult {
  /** The live rounds, then (unless aborted) the stop-and-copy round. */
  rounds: ModelRound[];
  /** n: live rounds, the full copy included (the comparables' "pre-copy rounds n"). */
  precopyRoundCount: number;
  decision: Exclude<PrecopyDecision, { action: "continue" }>;
  bytesSentTotal: number;
  totalMs: number;
  /** The stop-and-copy round's duration; null when the policy aborted. */
  downtimeMs: number | null;
}

interface ModelRun {
  readonly input: PrecopyModelInput;
  readonly workingSetBytes: number;
  readonly autoConverge: ResolvedAutoConvergeOptions | null;
  readonly pageCountTotal: number;
  readonly live: PrecopyRound[];
  readonly rounds: ModelRound[];
  throttle: AutoConvergeState;
}

/**
 * Fluid pre-copy: iterates V_{i+1} = dirtied(V_i / B_i) and asks `policy` after every live round,
 * with the same stats the engine builds (page counts are V / 4096 and may be fractional).
 */
export function simulatePrecopyModel(input: PrecopyModelInput): PrecopyModelResult {
  const run = startRun(input);
  let volumeBytes = input.memoryBytes;
  for (let round = 1; round <= MODEL_ROUND_COUNT_MAX; round++) {
    const dirtiedBytes = runLiveRound(run, round, volumeBytes);
    const stats = statsNow(run, dirtiedBytes);
    const decision = input.policy.decide(stats);
    volumeBytes = dirtiedBytes;
    if (decision.action === "continue") continue;
    if (decision.action === "stop-and-copy") runStopAndCopy(run, round + 1, volumeBytes, stats);
    return finish(run, decision);
  }
  throw new Error(
    `pre-copy model: policy ${input.policy.name} did not stop in ${MODEL_ROUND_COUNT_MAX} rounds`,
  );
}

function startRun(input: PrecopyModelInput): ModelRun {
  checkModelNumber("memoryBytes", input.memoryBytes, 0, false);
  checkModelNumber("bandwidthBytesPerSecond", input.bandwidthBytesPerSecond, 0, false);
  checkModelNumber("dirtyBytesPerSecond", input.dirtyBytesPerSecond, 0, true);
  const workingSetBytes = checkModelNumber(
    "workingSetBytes",
    input.workingSetBytes ?? input.memoryBytes,
    0,
    false,
  );
  return {
    input,
    workingSetBytes,
    autoConverge: input.autoConverge === undefined ? null : resolveAutoConvergeOptions(input.autoConverge),
    pageCountTotal: input.memoryBytes / PAGE_SIZE_BYTES,
    live: [],
    rounds: [],
    throttle: AUTO_CONVERGE_INITIAL_STATE,
  };
}

function statsNow(run: ModelRun, dirtyBytes: number): PrecopyStats {
  return buildPrecopyStats({
    pageCountTotal: run.pageCountTotal,
    pageCountDirty: dirtyBytes / PAGE_SIZE_BYTES,
    rounds: run.live,
  });
}

function roundBandwidth(run: ModelRun, round: number, stats: PrecopyStats, phase: RoundPhase): number {
  const limit = (run.input.bandwidthLimit ?? UNLIMITED_BANDWIDTH).limitBytesPerSecond(round, stats, phase);
  const bytesPerSecond = Math.min(run.input.bandwidthBytesPerSecond, limit);
  assert(bytesPerSecond > 0, `round ${round} bandwidth ${bytesPerSecond} B/s`);
  return bytesPerSecond;
}

function dirtiedBytesDuring(run: ModelRun, dirtyBytesPerSecond: number, seconds: number): number {
  const linearBytes = dirtyBytesPerSecond * seconds;
  switch (run.input.dirtying) {
    case "linear":
      return linearBytes;
    case "capped-linear":
      return Math.min(linearBytes, run.workingSetBytes);
    case "uniform-random":
      return uniformDirtyBytes(run.workingSetBytes, dirtyBytesPerSecond, seconds);
  }
}

/** Sends `volumeBytes` with the guest running; returns the bytes it dirtied meanwhile. */
function runLiveRound(run: ModelRun, round: number, volumeBytes: number): number {
  const bandwidth = roundBandwidth(run, round, statsNow(run, volumeBytes), "live");
  const seconds = volumeBytes / bandwidth;
  const throttleFraction = run.throttle.throttlePercent / 100;
  const dirtiedBytes = dirtiedBytesDuring(
    run,
    run.input.dirtyBytesPerSecond * (1 - throttleFraction),
    seconds,
  );
  const liveRound: PrecopyRound = {
    round,
    pageCountSent: volumeBytes / PAGE_SIZE_BYTES,
    pageCountDirtiedDuring: dirtiedBytes / PAGE_SIZE_BYTES,
    durationMs: seconds * 1000,
    bytesSent: volumeBytes,
  };
  run.live.push(liveRound);
  if (run.autoConverge !== null) run.throttle = autoConvergeStep(run.throttle, liveRound, run.autoConverge);
  run.rounds.push({
    round,
    phase: "live",
    bytesSent: volumeBytes,
    durationMs: seconds * 1000,
    bandwidthBytesPerSecond: bandwidth,
    throttleFraction,
  });
  return dirtiedBytes;
}

function runStopAndCopy(run: ModelRun, round: number, volumeBytes: number, stats: PrecopyStats): void {
  const bandwidth = roundBandwidth(run, round, stats, "stop-and-copy");
  const durationMs = (volumeBytes / bandwidth) * 1000;
  const throttleFraction = run.throttle.throttlePercent / 100;
  run.rounds.push({
    round,
    phase: "stop-and-copy",
    bytesSent: volumeBytes,
    durationMs,
    bandwidthBytesPerSecond: bandwidth,
    throttleFraction,
  });
}

function finish(run: ModelRun, decision: PrecopyModelResult["decision"]): PrecopyModelResult {
  const last = run.rounds.at(-1);
  return {
    rounds: run.rounds,
    precopyRoundCount: run.live.length,
    decision,
    bytesSentTotal: run.rounds.reduce((sum, r) => sum + r.bytesSent, 0),
    totalMs: run.rounds.reduce((sum, r) => sum + r.durationMs, 0),
    downtimeMs: last?.phase === "stop-and-copy" ? last.durationMs : null,
  };
}
