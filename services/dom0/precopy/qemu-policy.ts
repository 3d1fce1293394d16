import { GIB, PAGE_SIZE_BYTES } from "../../core/units.js";
import { abortPrecopy, assertPrecopyStats, CONTINUE_PRECOPY, stopAndCopy } from "./policy.js";
import type { PrecopyDecision, PrecopyPolicy, PrecopyStats } from "./policy.js";

/** qemu migration/options.c: DEFAULT_MIGRATE_SET_DOWNTIME (ms). */
export const QEMU_DEFAULT_DOWNTIME_LIMIT_MS = 300;
/** qemu migration/options.c: MAX_MIGRATE_DOWNTIME (2000 s). */
export const QEMU_DOWNTIME_LIMIT_MS_MAX = 2_000_000;
/**
 * QEMU itself has no round cap: a guest that never converges migrates until someone cancels it.
 * xensim caps the rounds so every migration ends; 100 rounds is far past where auto-converge
 * reaches its 99 % throttle (18 rounds) and past a slow-but-converging guest (λ = 0.9, 4 GiB: 45).
 */
export const QEMU_SAFETY_ITERATION_COUNT_MAX = 100;
/** Nova `live_migration_completion_timeout` and KubeVirt `completionTimeoutPerGiB`: 800 s per GiB. */
export const QEMU_COMPLETION_TIMEOUT_MS_PER_GIB = 800_000;

/**
 * What happens when a limit (round cap or completion timeout) is hit before convergence. The default
 * "abort" is what a QEMU stack does: Nova's and KubeVirt's timeout action is abort, and the guest
 * keeps running on the source. "stop-and-copy" forces the switch-over at whatever downtime it costs.
 */
export type QemuLimitAction = "abort" | "stop-and-copy";

export interface QemuPolicyOptions {
  downtimeLimitMs?: number;
  iterationCountMax?: number;
  /** 0 = no timeout. */
  completionTimeoutMsPerGib?: number;
  onLimit?: QemuLimitAction;
}

/**
 * QEMU's switch-over rule (migration/migration.c `migration_iteration_run`): keep iterating while
 * `pending >= threshold_size` with `threshold_size = bandwidth x downtime_limit`; switch over when
 * the dirty bytes fall below it (or nothing is dirty). The bandwidth is the one measured last round.
 */
export function createQemuPolicy(options: QemuPolicyOptions = {}): PrecopyPolicy {
  const downtimeLimitMs = options.downtimeLimitMs ?? QEMU_DEFAULT_DOWNTIME_LIMIT_MS;
  const iterationCountMax = options.iterationCountMax ?? QEMU_SAFETY_ITERATION_COUNT_MAX;
  const timeoutMsPerGib = options.completionTimeoutMsPerGib ?? QEMU_COMPLETION_TIMEOUT_MS_PER_GIB;
  const onLimit = options.onLimit ?? "abort";
  const atLimit = (reason: string): PrecopyDecision =>
    onLimit === "abort" ? abortPrecopy(reason) : stopAndCopy(reason);
  return {
    name: "qemu",
    decide(stats: PrecopyStats): PrecopyDecision {
      assertPrecopyStats(stats);
      const dirtyByteCount = stats.pageCountDirty * PAGE_SIZE_BYTES;
      const thresholdByteCount = (stats.bandwidthBytesPerSecond * downtimeLimitMs) / 1000;
      if (dirtyByteCount === 0 || dirtyByteCount < thresholdByteCount) {
        return stopAndCopy(
          `dirty ${Math.round(dirtyByteCount)} B < ${Math.round(thresholdByteCount)} B ` +
            `(${Math.round(stats.bandwidthBytesPerSecond)} B/s x ${downtimeLimitMs} ms)`,
        );
      }
      if (stats.iteration >= iterationCountMax) {
        return atLimit(`not converged after iteration cap ${iterationCountMax}`);
      }
      const timeoutMs = (timeoutMsPerGib * stats.pageCountTotal * PAGE_SIZE_BYTES) / GIB;
      if (timeoutMs > 0 && stats.elapsedMs > timeoutMs) {
        return atLimit(
          `not converged after ${Math.round(stats.elapsedMs)} ms > ${Math.round(timeoutMs)} ms timeout`,
        );
      }
      return CONTINUE_PRECOPY;
    },
  };
}
