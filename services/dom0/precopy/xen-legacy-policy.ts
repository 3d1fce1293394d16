import { dynamicRateLimitBytesPerSecond } from "./dynamic-rate-limit.js";
import { assertPrecopyStats, CONTINUE_PRECOPY, stopAndCopy } from "./policy.js";
import type { PrecopyDecision, PrecopyPolicy, PrecopyStats } from "./policy.js";

/** tools/libxc/xc_domain_save.c (removed in b15bc4345e): "limit us to 30 times round loop". */
export const XEN_LEGACY_DEF_MAX_ITERS = 29;
/** xc_domain_save.c: "never send more than 3x p2m_size". */
export const XEN_LEGACY_DEF_MAX_FACTOR = 3;
/** xc_domain_save.c: last iteration when `sent_this_iter + skip_this_iter < 50`. */
export const XEN_LEGACY_MIN_SENT_PAGE_COUNT = 50;

export interface XenLegacyPolicyOptions {
  iterationCountMax?: number;
  /** Stop once more than this many times the guest's memory has been sent. */
  sentFactorMax?: number;
  /**
   * The 2005 ADAPTIVE_SAVE rule (Clark et al., NSDI'05): also stop when the dynamic rate limit is
   * at its maximum and the last round sent more pages than the one before. It assumes the engine
   * runs under `DynamicRateLimit` (default settings), whose rate it recomputes from the rounds.
   */
  adaptiveRateStop?: boolean;
}

/**
 * The pre-4.6 `xc_domain_save` loop. Its checks run after round `iter` was sent, on that round's
 * own page count (not on the fresh dirty count), so it sends one round more than `xen` would.
 */
export function createXenLegacyPolicy(options: XenLegacyPolicyOptions = {}): PrecopyPolicy {
  const iterationCountMax = options.iterationCountMax ?? XEN_LEGACY_DEF_MAX_ITERS;
  const sentFactorMax = options.sentFactorMax ?? XEN_LEGACY_DEF_MAX_FACTOR;
  const adaptive = options.adaptiveRateStop ?? false;
  return {
    name: adaptive ? "clark" : "xen-legacy",
    decide(stats: PrecopyStats): PrecopyDecision {
      assertPrecopyStats(stats);
      const last = stats.rounds.at(-1);
      if (last === undefined) return CONTINUE_PRECOPY;
      if (adaptive && rateAtMaxAndGrowing(stats)) {
        return stopAndCopy(`rate at max and round ${last.round} sent more pages than the one before`);
      }
      if (stats.iteration >= iterationCountMax) return stopAndCopy(`iteration cap ${iterationCountMax}`);
      if (last.pageCountSent < XEN_LEGACY_MIN_SENT_PAGE_COUNT) {
        return stopAndCopy(
          `round ${last.round} sent ${last.pageCountSent} < ${XEN_LEGACY_MIN_SENT_PAGE_COUNT} pages`,
        );
      }
      if (stats.pageCountSentTotal > stats.pageCountTotal * sentFactorMax) {
        return stopAndCopy(
          `sent ${stats.pageCountSentTotal} > ${sentFactorMax} x ${stats.pageCountTotal} pages`,
        );
      }
      return CONTINUE_PRECOPY;
    },
  };
}

/** `(sent_this_iter > sent_last_iter) && RATE_IS_MAX()`, with the rate in force for the last round. */
function rateAtMaxAndGrowing(stats: PrecopyStats): boolean {
  const last = stats.rounds.at(-1);
  const previous = stats.rounds.at(-2);
  if (last === undefined || previous === undefined) return false;
  const rates = dynamicRateLimitBytesPerSecond(stats.rounds.slice(0, -1));
  return last.pageCountSent > previous.pageCountSent && rates.atMax;
}
