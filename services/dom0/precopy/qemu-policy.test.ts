import { describe, expect, it } from "vitest";
import { GIB } from "../../core/units.js";
import { buildPrecopyStats } from "./policy.js";
import type { PrecopyRound, PrecopyStats } from "./policy.js";
import {
  createQemuPolicy,
  QEMU_DEFAULT_DOWNTIME_LIMIT_MS,
  QEMU_SAFETY_ITERATION_COUNT_MAX,
} from "./qemu-policy.js";

const BANDWIDTH_BYTES_PER_SECOND = 125_000_000;

/** `iteration` rounds, each sending 125 MB in 1 s; 1 GiB guest unless told otherwise. */
function statsAt(
  iteration: number,
  pageCountDirty: number,
  durationMs = 1000,
  pageCountTotal = GIB / 4096,
): PrecopyStats {
  const bytesSent = (BANDWIDTH_BYTES_PER_SECOND * durationMs) / 1000;
  const rounds: PrecopyRound[] = Array.from({ length: iteration }, (_, i) => ({
    round: i + 1,
    pageCountSent: bytesSent / 4096,
    pageCountDirtiedDuring: pageCountDirty,
    durationMs,
    bytesSent,
  }));
  return buildPrecopyStats({ pageCountTotal, pageCountDirty, rounds });
}

describe("qemu policy", () => {
  const policy = createQemuPolicy();

  it("defaults to QEMU's 300 ms downtime limit", () => {
    expect(QEMU_DEFAULT_DOWNTIME_LIMIT_MS).toBe(300);
    expect(policy.name).toBe("qemu");
  });

  it("switches over below bandwidth x limit (125 MB/s x 300 ms = 37.5 MB)", () => {
    // 9155 pages = 37 498 880 B < 37.5 MB; 9156 pages = 37 502 976 B is not.
    expect(policy.decide(statsAt(2, 9155))).toEqual({
      action: "stop-and-copy",
      reason: "dirty 37498880 B < 37500000 B (125000000 B/s x 300 ms)",
    });
    expect(policy.decide(statsAt(2, 9156)).action).toBe("continue");
  });

  it("keeps iterating when the dirty bytes equal the threshold (pending >= threshold_size)", () => {
    const limited = createQemuPolicy({ downtimeLimitMs: 1 });
    const onePage = { ...statsAt(2, 1), bandwidthBytesPerSecond: 4_096_000 }; // threshold = 4096 B
    expect(limited.decide(onePage).action).toBe("continue");
    expect(limited.decide({ ...onePage, bandwidthBytesPerSecond: 4_096_001 }).action).toBe("stop-and-copy");
  });

  it("scales the threshold with the measured bandwidth", () => {
    const halved = { ...statsAt(2, 9155), bandwidthBytesPerSecond: BANDWIDTH_BYTES_PER_SECOND / 2 };
    expect(policy.decide(halved).action).toBe("continue");
    // 18000 pages = 73.7 MB: too many at 125 MB/s, few enough at 250 MB/s (threshold 75 MB).
    expect(policy.decide(statsAt(2, 18_000)).action).toBe("continue");
    const doubled = { ...statsAt(2, 18_000), bandwidthBytesPerSecond: BANDWIDTH_BYTES_PER_SECOND * 2 };
    expect(policy.decide(doubled).action).toBe("stop-and-copy");
  });

  it("a lower downtime limit needs a smaller dirty set", () => {
    const strict = createQemuPolicy({ downtimeLimitMs: 30 });
    expect(strict.decide(statsAt(2, 9155)).action).toBe("continue");
    expect(strict.decide(statsAt(2, 915)).action).toBe("stop-and-copy");
  });

  it("switches over with nothing dirty even before any bandwidth is known", () => {
    expect(policy.decide(statsAt(0, 0)).action).toBe("stop-and-copy");
    expect(policy.decide(statsAt(0, 1)).action).toBe("continue");
  });

  it("aborts at the safety round cap by default, or forces stop-and-copy when asked", () => {
    expect(policy.decide(statsAt(QEMU_SAFETY_ITERATION_COUNT_MAX - 1, 1e6, 1)).action).toBe("continue");
    expect(policy.decide(statsAt(QEMU_SAFETY_ITERATION_COUNT_MAX, 1e6, 1))).toEqual({
      action: "abort",
      reason: "not converged after iteration cap 100",
    });
    const forcing = createQemuPolicy({ onLimit: "stop-and-copy", iterationCountMax: 3 });
    expect(forcing.decide(statsAt(3, 1e6))).toMatchObject({ action: "stop-and-copy" });
  });

  it("still switches over normally when converged at the cap", () => {
    expect(policy.decide(statsAt(QEMU_SAFETY_ITERATION_COUNT_MAX, 10)).action).toBe("stop-and-copy");
  });

  it("aborts after Nova's 800 s per GiB completion timeout, and not with the timeout off", () => {
    // 1 GiB guest: timeout 800 s. 81 rounds of 10 s = 810 s.
    expect(policy.decide(statsAt(80, 1e6, 10_000)).action).toBe("continue");
    expect(policy.decide(statsAt(81, 1e6, 10_000))).toEqual({
      action: "abort",
      reason: "not converged after 810000 ms > 800000 ms timeout",
    });
    const noTimeout = createQemuPolicy({ completionTimeoutMsPerGib: 0 });
    expect(noTimeout.decide(statsAt(81, 1e6, 10_000)).action).toBe("continue");
  });
});
