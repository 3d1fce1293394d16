import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { judgeModelCheck, runModelCheck, type ModelCheckPoint } from "./model-check.js";

/**
 * The engine against the analytic uniform-random pre-copy model (comparables.md §5), in one seeded
 * process under a simulated clock: a 64 MiB guest writing uniformly at random at D pages/s, sent
 * through a B bytes/s cap. What is compared and with which tolerances, and why, is written in
 * docs/specs/migration-statistics.md ("Model check"): the bytes after round 1 and the final dirty set
 * within 4 binomial standard deviations plus the tick and pacer granularity, the downtime (pause to
 * the destination holding the stream) relative to the model's, with no floor.
 */
type Point = ModelCheckPoint & { roundSlack: number };

const POINTS: Point[] = [
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 2000,
    bandwidthBytesPerSecond: 32e6,
    policy: "xen",
    seed: 7,
    roundSlack: 0,
  },
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 5000,
    bandwidthBytesPerSecond: 40e6,
    policy: "xen",
    seed: 8,
    roundSlack: 0,
  },
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 10000,
    bandwidthBytesPerSecond: 32e6,
    policy: "xen",
    seed: 9,
    roundSlack: 0,
  },
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 5000,
    bandwidthBytesPerSecond: 40e6,
    policy: "qemu",
    seed: 10,
    roundSlack: 0,
  },
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 8000,
    bandwidthBytesPerSecond: 40e6,
    policy: "qemu",
    seed: 11,
    roundSlack: 0,
  },
  // The model's last live dirty set lies close to xen-legacy's 50-page threshold: one draw decides.
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 3000,
    bandwidthBytesPerSecond: 24e6,
    policy: "xen-legacy",
    seed: 12,
    roundSlack: 1,
  },
  // λ near 1 and past it: the final set is large, so a wrong dirtying curve shows in every figure.
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 9000,
    bandwidthBytesPerSecond: 40e6,
    policy: "xen",
    seed: 13,
    roundSlack: 0,
  },
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 15000,
    bandwidthBytesPerSecond: 40e6,
    policy: "xen",
    seed: 14,
    roundSlack: 0,
  },
];

function label(point: ModelCheckPoint): string {
  const lambda = (point.dirtyPagesPerSecond * PAGE_SIZE_BYTES) / point.bandwidthBytesPerSecond;
  return `D=${point.dirtyPagesPerSecond} pages/s, B=${point.bandwidthBytesPerSecond / 1e6} MB/s (λ=${lambda.toFixed(2)}), ${point.policy}`;
}

describe("pre-copy engine vs the analytic model", () => {
  for (const point of POINTS) {
    it(`agrees at ${label(point)}`, async () => {
      const result = await runModelCheck(point);
      expect(judgeModelCheck(result, point.roundSlack)).toEqual([]);
    }, 60_000);

    it(`rejects an engine that dirties twice as fast at ${label(point)}`, async () => {
      const result = await runModelCheck({ ...point, engineDirtyFactor: 2 });
      const failures = judgeModelCheck(result, point.roundSlack);
      expect(failures.some((f) => /^(bytes after round 1|engine aborted)/.test(f))).toBe(true);
    }, 60_000);
  }

  // A subtler wrong engine (25 % faster dirtying) is caught wherever the tolerance on the bytes
  // after round 1 is below about 10 %, i.e. where λ >= 0.5.
  for (const point of POINTS.filter(
    (p) => p.dirtyPagesPerSecond * PAGE_SIZE_BYTES >= 0.5 * p.bandwidthBytesPerSecond,
  )) {
    it(`rejects an engine that dirties 25 % faster at ${label(point)}`, async () => {
      const result = await runModelCheck({ ...point, engineDirtyFactor: 1.25 });
      expect(judgeModelCheck(result, point.roundSlack)).not.toEqual([]);
    }, 60_000);
  }
});
