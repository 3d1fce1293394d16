import { assertPrecopyStats, CONTINUE_PRECOPY, stopAndCopy } from "./policy.js";
import type { PrecopyDecision, PrecopyPolicy, PrecopyStats } from "./policy.js";

/** tools/libs/guest/xg_sr_save.c: SPP_MAX_ITERATIONS. */
export const XEN_SPP_MAX_ITERATIONS = 5;
/** tools/libs/guest/xg_sr_save.c: SPP_TARGET_DIRTY_COUNT (pages). */
export const XEN_SPP_TARGET_DIRTY_COUNT = 50;

export interface XenPolicyOptions {
  /** SUSE's `--max_iters`; Xen's default is 5. */
  iterationCountMax?: number;
  /** SUSE's `--min_remaining`; Xen's default is 50 pages. */
  dirtyPageCountTarget?: number;
}

/**
 * Xen's `simple_precopy_policy`: stop-and-copy when fewer than 50 pages are dirty or 5 rounds have
 * completed. Xen sends a final small (< 50 page) set live before pausing; xensim pauses and sends it
 * in the stop-and-copy round, which differs by at most those pages.
 */
export function createXenPolicy(options: XenPolicyOptions = {}): PrecopyPolicy {
  const iterationCountMax = options.iterationCountMax ?? XEN_SPP_MAX_ITERATIONS;
  const dirtyPageCountTarget = options.dirtyPageCountTarget ?? XEN_SPP_TARGET_DIRTY_COUNT;
  return {
    name: "xen",
    decide(stats: PrecopyStats): PrecopyDecision {
      assertPrecopyStats(stats);
      if (stats.pageCountDirty < dirtyPageCountTarget) {
        return stopAndCopy(`dirty ${stats.pageCountDirty} < ${dirtyPageCountTarget} pages`);
      }
      if (stats.iteration >= iterationCountMax) return stopAndCopy(`iteration cap ${iterationCountMax}`);
      return CONTINUE_PRECOPY;
    },
  };
}
