import { describe, expect, it } from "vitest";
import { runModelCheck, type ModelCheckPoint } from "./model-check.js";

/**
 * The engine against the analytic uniform-random pre-copy model (comparables.md §5), in one seeded
 * process under a simulated clock: a 64 MiB guest writing uniformly at random at D pages/s, sent
 * through a B bytes/s cap.
 *
 * Tolerances, and why:
 * - bytes of pages sent within 2 %: the number of distinct pages hit by r·t uniform writes is a sum
 *   of Bernoulli trials, its standard deviation below 1 % of the dirty set for the sets that
 *   dominate the total (thousands of pages); the token bucket's 1 MiB burst moves a round's end by
 *   at most 1 MiB / B, and the guest writes in 1 ms ticks and the sender in 64-page records.
 * - downtime within 5 % or 2 ms, whichever is larger: the stop-and-copy set is one draw of the same
 *   process (noisier when small), plus the fixed records (vCPU, xenstore, devices, VERIFY, END).
 * - rounds equal; ±1 where the model's last dirty set lies within 20 % of the policy's threshold
 *   (50 pages for Xen), where one draw of the noise decides the count.
 */
const POINTS: Array<ModelCheckPoint & { roundSlack: number }> = [
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
  {
    memoryMib: 64,
    dirtyPagesPerSecond: 3000,
    bandwidthBytesPerSecond: 24e6,
    policy: "xen-legacy",
    seed: 12,
    roundSlack: 1,
  },
];

describe("pre-copy engine vs the analytic model", () => {
  for (const point of POINTS) {
    const lambda = (point.dirtyPagesPerSecond * 4096) / point.bandwidthBytesPerSecond;
    it(`D=${point.dirtyPagesPerSecond} pages/s, B=${point.bandwidthBytesPerSecond / 1e6} MB/s (λ=${lambda.toFixed(2)}), ${point.policy}`, async () => {
      const { measured, model } = await runModelCheck(point);
      expect(measured.checksumMatches).toBe(true);
      expect(Math.abs(measured.precopyRounds - model.precopyRounds)).toBeLessThanOrEqual(point.roundSlack);
      expect(Math.abs(measured.pageBytesSent - model.bytesSent) / model.bytesSent).toBeLessThan(0.02);
      const downtimeToleranceMs = Math.max(2, 0.05 * model.downtimeMs);
      expect(Math.abs(measured.downtimeMs - model.downtimeMs)).toBeLessThan(downtimeToleranceMs);
    }, 60_000);
  }
});
