import { Prng } from "../../core/prng.js";
import { runSimulation } from "../../core/simulation.js";
import { populateAll } from "../../core/workload/index.js";
import { PAGE_SIZE_BYTES, MIB } from "../../core/units.js";
import { RECORD_HEADER_BYTE_COUNT, paddedByteCount, pageDataBodyByteCount } from "../stream/format.js";
import { createPolicy } from "../precopy/create-policy.js";
import { FixedBandwidthLimit } from "../precopy/bandwidth.js";
import { PACER_BURST_BYTES } from "../precopy/pacer.js";
import { simulatePrecopyModel, type PrecopyModelResult } from "../precopy/model.js";
import { CONTINUE_PRECOPY, stopAndCopy, type PrecopyPolicy } from "../precopy/policy.js";
import { MODEL_CHECK_SIGMA_COUNT, modelTolerances, type ModelTolerances } from "../precopy/model-noise.js";
import { PAGE_COUNT_PER_RECORD_DEFAULT, StreamSender } from "./sender.js";
import { StreamReceiver } from "./receiver.js";
import { ToolstackError } from "../errors.js";
import { senderDomainOf } from "./domain-image.js";
import { createGuest, receiverSink, SIM_TICK_MS, simPair, simScheduler } from "./sim-harness.js";

export interface ModelCheckPoint {
  memoryMib: number;
  dirtyPagesPerSecond: number;
  bandwidthBytesPerSecond: number;
  policy: "xen" | "qemu" | "xen-legacy";
  seed: number;
  /** A deliberately wrong engine for testing the checker: its guest dirties this many times faster. */
  engineDirtyFactor?: number;
}

export interface ModelCheckMeasured {
  precopyRounds: number;
  /** Pages each round sent, the full copy first and the stop-and-copy round last. */
  roundPageCounts: number[];
  /** From the source's pause to the destination holding the whole stream (its resume), simulated ms. */
  downtimeMs: number;
  checksumMatches: boolean;
  /** Why the engine's policy aborted the migration; "" when it completed. */
  abortReason: string;
}

export interface ModelCheckResult {
  measured: ModelCheckMeasured;
  /** The model with the point's policy. */
  model: PrecopyModelResult;
  /** The model made to run the engine's number of live rounds: the figures compare against this. */
  modelAtEngineRounds: PrecopyModelResult;
  tolerances: ModelTolerances;
}

/**
 * Wire bytes per page in full PAGE_DATA records (pfn, checksum, record header): the pacer charges
 * these, so the model runs at the page goodput B x 4096 / wire bytes per page.
 */
export const WIRE_BYTES_PER_PAGE =
  (RECORD_HEADER_BYTE_COUNT +
    paddedByteCount(
      pageDataBodyByteCount(PAGE_COUNT_PER_RECORD_DEFAULT, PAGE_COUNT_PER_RECORD_DEFAULT, true),
    )) /
  PAGE_COUNT_PER_RECORD_DEFAULT;

/** A policy that stops after exactly `roundCount` live rounds. */
function fixedRoundsPolicy(roundCount: number): PrecopyPolicy {
  return {
    name: `fixed-${roundCount}`,
    decide: (stats) =>
      stats.iteration >= roundCount
        ? stopAndCopy(`${roundCount} rounds, as the engine ran`)
        : CONTINUE_PRECOPY,
  };
}

function runModel(point: ModelCheckPoint, policy: PrecopyPolicy): PrecopyModelResult {
  return simulatePrecopyModel({
    memoryBytes: point.memoryMib * MIB,
    bandwidthBytesPerSecond: (point.bandwidthBytesPerSecond * PAGE_SIZE_BYTES) / WIRE_BYTES_PER_PAGE,
    dirtyBytesPerSecond: point.dirtyPagesPerSecond * PAGE_SIZE_BYTES,
    dirtying: "uniform-random",
    policy,
  });
}

/**
 * One seeded, in-process migration of a guest dirtying uniformly at random at D pages/s under a
 * bandwidth cap B, beside the analytic uniform-random pre-copy model for the same M, D, B and
 * policy (comparables.md §5). The measured figures come from the engine; the model's from the formula.
 */
export async function runModelCheck(point: ModelCheckPoint): Promise<ModelCheckResult> {
  const measured = await runEngine(point);
  const model = runModel(point, createPolicy(point.policy));
  const modelAtEngineRounds =
    measured.abortReason === "" ? runModel(point, fixedRoundsPolicy(measured.precopyRounds)) : model;
  const tolerances = modelTolerances(modelAtEngineRounds, (point.memoryMib * MIB) / PAGE_SIZE_BYTES, {
    sigmaCount: MODEL_CHECK_SIGMA_COUNT,
    tickMs: SIM_TICK_MS,
    burstByteCount: PACER_BURST_BYTES,
  });
  return { measured, model, modelAtEngineRounds, tolerances };
}

async function runEngine(point: ModelCheckPoint): Promise<ModelCheckMeasured> {
  const pair = simPair(point.seed, 1024 + point.memoryMib * 2);
  try {
    const guest = createGuest(pair.source, "m", point.memoryMib, "idle");
    const memory = pair.source.domainOf(guest).memory;
    populateAll(memory, new Prng(point.seed));
    const engineRate = point.dirtyPagesPerSecond * (point.engineDirtyFactor ?? 1);
    pair.source.setWorkload("m", `uniform:rate=${engineRate}`);
    const incoming = pair.destination.create(guest.config, { paused: true, nameOverride: "m--incoming" });
    const incomingMemory = pair.destination.domainOf(incoming).memory;
    const receiver = new StreamReceiver(() => incomingMemory);
    let endedAtMs = NaN;
    const sink = receiverSink(receiver, () => (endedAtMs = pair.clock.nowMs()));
    const sender = new StreamSender(senderDomainOf(pair.source, guest), sink, {
      clock: pair.clock,
      scheduler: simScheduler(pair.clock),
      policy: createPolicy(point.policy),
      bandwidth: new FixedBandwidthLimit(point.bandwidthBytesPerSecond),
      autoConverge: undefined,
      live: true,
    });
    const result = await runSimulation(pair.clock, sender.run()).catch((error: unknown) => {
      if (error instanceof ToolstackError && error.code === "ABORTED") return error.message;
      throw error;
    });
    if (typeof result === "string")
      return {
        precopyRounds: 0,
        roundPageCounts: [],
        downtimeMs: NaN,
        checksumMatches: false,
        abortReason: result,
      };
    return {
      precopyRounds: result.rounds.filter((r) => !r.stopAndCopy).length,
      roundPageCounts: result.rounds.map((r) => r.pageCountSent),
      downtimeMs: endedAtMs - result.pausedAtMs,
      checksumMatches: incomingMemory.checksum() === memory.checksum(),
      abortReason: "",
    };
  } finally {
    pair.stopTicks();
  }
}

function relativeError(measured: number, model: number): number {
  return model === 0 ? (measured === 0 ? 0 : Infinity) : Math.abs(measured - model) / model;
}

/**
 * Every way the engine disagrees with the model beyond the tolerances; empty when it agrees.
 * Compares only what varies: the bytes after round 1 (round 1 is all of memory in both) and the
 * final dirty set, and the downtime relative to the model's, with no floor.
 */
export function judgeModelCheck(result: ModelCheckResult, roundSlack: number): string[] {
  const { measured, model, modelAtEngineRounds, tolerances } = result;
  if (measured.abortReason !== "") return [`engine aborted (${measured.abortReason}); the model did not`];
  const failures: string[] = [];
  if (!measured.checksumMatches) failures.push("destination memory differs from the source");
  if (Math.abs(measured.precopyRounds - model.precopyRoundCount) > roundSlack)
    failures.push(`rounds: engine ${measured.precopyRounds}, model ${model.precopyRoundCount}`);
  const check = (what: string, value: number, expected: number, tolerance: number): void => {
    const error = relativeError(value, expected);
    if (!(error <= tolerance))
      failures.push(
        `${what}: engine ${value.toFixed(1)}, model ${expected.toFixed(1)}, ` +
          `${(error * 100).toFixed(1)} % apart > ${(tolerance * 100).toFixed(1)} %`,
      );
  };
  const pagesAfterRound1 = measured.roundPageCounts.slice(1).reduce((sum, n) => sum + n, 0);
  check(
    "bytes after round 1",
    pagesAfterRound1 * PAGE_SIZE_BYTES,
    tolerances.bytesAfterRound1Model,
    tolerances.bytesAfterRound1ToleranceRelative,
  );
  const finalTolerance = tolerances.rounds.at(-1)!;
  check(
    "final dirty set (pages)",
    measured.roundPageCounts.at(-1)!,
    finalTolerance.pageCountModel,
    finalTolerance.toleranceRelative,
  );
  check(
    "downtime (ms)",
    measured.downtimeMs,
    modelAtEngineRounds.downtimeMs ?? NaN,
    finalTolerance.toleranceRelative,
  );
  return failures;
}
