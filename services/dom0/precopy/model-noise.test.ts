import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import type { ModelRound, PrecopyModelResult } from "./model.js";
import { modelTolerances } from "./model-noise.js";

function round(index: number, pageCount: number, durationMs: number): ModelRound {
  const bytesSent = pageCount * PAGE_SIZE_BYTES;
  return {
    round: index,
    phase: "live",
    bytesSent,
    durationMs,
    bandwidthBytesPerSecond: (bytesSent * 1000) / durationMs,
    throttleFraction: 0,
  };
}

function model(rounds: ModelRound[]): PrecopyModelResult {
  return {
    rounds,
    precopyRoundCount: rounds.length - 1,
    decision: { action: "stop-and-copy", reason: "test" },
    bytesSentTotal: rounds.reduce((sum, r) => sum + r.bytesSent, 0),
    totalMs: rounds.reduce((sum, r) => sum + r.durationMs, 0),
    downtimeMs: rounds.at(-1)!.durationMs,
  };
}

const NO_GRANULARITY = { sigmaCount: 4, tickMs: 0, burstByteCount: 0 };

describe("modelTolerances", () => {
  it("gives round 1 (all of memory) no tolerance and later rounds the binomial sd sqrt((1-p)/V)", () => {
    const result = modelTolerances(model([round(1, 1000, 100), round(2, 250, 25)]), 1000, NO_GRANULARITY);
    expect(result.rounds[0]!.toleranceRelative).toBe(0);
    expect(result.rounds[1]!.sigmaRelative).toBeCloseTo(Math.sqrt(0.75 / 250), 12);
    expect(result.rounds[1]!.toleranceRelative).toBeCloseTo(4 * Math.sqrt(0.75 / 250), 12);
  });

  it("adds the relative variances of earlier draws, so small late sets get wide tolerances", () => {
    const rounds = [round(1, 1000, 100), round(2, 400, 40), round(3, 16, 2)];
    const result = modelTolerances(model(rounds), 1000, NO_GRANULARITY);
    const expected = Math.sqrt(0.6 / 400 + (1 - 0.016) / 16);
    expect(result.rounds[2]!.sigmaRelative).toBeCloseTo(expected, 12);
    expect(result.rounds[2]!.toleranceRelative).toBeGreaterThan(result.rounds[1]!.toleranceRelative);
  });

  it("adds a tick and, after round 1, the pacer burst relative to the round that did the dirtying", () => {
    const options = { sigmaCount: 4, tickMs: 1, burstByteCount: 0.01 * 1000 * PAGE_SIZE_BYTES };
    const result = modelTolerances(model([round(1, 1000, 100), round(2, 250, 25)]), 1000, options);
    // tick 1 ms over 100 ms, burst 1 ms (10 pages at 10 pages/ms) over 100 ms.
    expect(result.rounds[1]!.granularityRelative).toBeCloseTo(0.02, 12);
  });

  it("bounds the bytes after round 1 by the sum of the rounds' absolute tolerances", () => {
    const rounds = [round(1, 1000, 100), round(2, 400, 40), round(3, 100, 10)];
    const result = modelTolerances(model(rounds), 1000, NO_GRANULARITY);
    const [, r2, r3] = result.rounds;
    expect(result.bytesAfterRound1Model).toBe(500 * PAGE_SIZE_BYTES);
    expect(result.bytesAfterRound1ToleranceRelative).toBeCloseTo(
      (400 * r2!.toleranceRelative + 100 * r3!.toleranceRelative) / 500,
      12,
    );
  });
});
