import { describe, expect, it } from "vitest";
import { buildPrecopyStats } from "./policy.js";
import type { PrecopyRound, PrecopyStats } from "./policy.js";
import {
  createXenLegacyPolicy,
  XEN_LEGACY_DEF_MAX_FACTOR,
  XEN_LEGACY_DEF_MAX_ITERS,
  XEN_LEGACY_MIN_SENT_PAGE_COUNT,
} from "./xen-legacy-policy.js";

const PAGE_COUNT_TOTAL = 1000;

/** Round 1 sends everything, the later rounds send `pageCountSent` pages each. */
function statsAfter(iteration: number, pageCountSent: number, pageCountDirty = 500): PrecopyStats {
  const rounds: PrecopyRound[] = Array.from({ length: iteration }, (_, i) => {
    const sent = i === 0 ? PAGE_COUNT_TOTAL : pageCountSent;
    return {
      round: i + 1,
      pageCountSent: sent,
      pageCountDirtiedDuring: 100,
      durationMs: 1000,
      bytesSent: sent * 4096,
    };
  });
  return buildPrecopyStats({ pageCountTotal: PAGE_COUNT_TOTAL, pageCountDirty, rounds });
}

describe("xen-legacy policy (xc_domain_save)", () => {
  const policy = createXenLegacyPolicy();

  it("uses the legacy constants", () => {
    expect([XEN_LEGACY_DEF_MAX_ITERS, XEN_LEGACY_DEF_MAX_FACTOR, XEN_LEGACY_MIN_SENT_PAGE_COUNT]).toEqual([
      29, 3, 50,
    ]);
    expect(policy.name).toBe("xen-legacy");
  });

  it("continues after iteration 28 and stops at 29", () => {
    expect(policy.decide(statsAfter(28, 60)).action).toBe("continue");
    expect(policy.decide(statsAfter(29, 60))).toEqual({
      action: "stop-and-copy",
      reason: "iteration cap 29",
    });
  });

  it("stops when the round just sent had 49 pages, not at 50", () => {
    expect(policy.decide(statsAfter(2, 49))).toEqual({
      action: "stop-and-copy",
      reason: "round 2 sent 49 < 50 pages",
    });
    expect(policy.decide(statsAfter(2, 50)).action).toBe("continue");
  });

  it("judges the round just sent, not the fresh dirty count", () => {
    expect(policy.decide(statsAfter(2, 400, 10)).action).toBe("continue");
  });

  it("stops once more than 3x memory was sent, not at exactly 3x", () => {
    // 1000 + 4 x 500 = 3000 pages = 3.0 x memory; one page more crosses the factor.
    expect(policy.decide(statsAfter(5, 500)).action).toBe("continue");
    const over = statsAfter(5, 500);
    const rounds = [...over.rounds.slice(0, -1), { ...over.rounds[4]!, pageCountSent: 501 }];
    expect(policy.decide(buildPrecopyStats({ ...over, rounds }))).toEqual({
      action: "stop-and-copy",
      reason: "sent 3001 > 3 x 1000 pages",
    });
  });

  it("never stops on the full copy alone", () => {
    expect(policy.decide(statsAfter(1, 0)).action).toBe("continue");
  });
});

describe("clark policy (2005 ADAPTIVE_SAVE rules)", () => {
  const policy = createXenLegacyPolicy({ adaptiveRateStop: true });
  // A round of 1 s dirtying 20000 pages = 655 Mbit/s: the rate after it is at the 500 Mbit/s cap.
  const heavy = (round: number, pageCountSent: number): PrecopyRound => ({
    round,
    pageCountSent,
    pageCountDirtiedDuring: 20_000,
    durationMs: 1000,
    bytesSent: pageCountSent * 4096,
  });

  it("stops when the rate is at max and the dirty set grew", () => {
    const rounds = [heavy(1, 100_000), heavy(2, 20_000), heavy(3, 20_001)];
    const stats = buildPrecopyStats({ pageCountTotal: 100_000, pageCountDirty: 20_000, rounds });
    expect(policy.name).toBe("clark");
    expect(policy.decide(stats)).toEqual({
      action: "stop-and-copy",
      reason: "rate at max and round 3 sent more pages than the one before",
    });
  });

  it("continues at max rate while the dirty set shrinks, and below max rate", () => {
    const shrinking = [heavy(1, 100_000), heavy(2, 20_000), heavy(3, 19_999)];
    expect(
      policy.decide(buildPrecopyStats({ pageCountTotal: 100_000, pageCountDirty: 1000, rounds: shrinking }))
        .action,
    ).toBe("continue");
    const light = (r: PrecopyRound): PrecopyRound => ({ ...r, pageCountDirtiedDuring: 100 });
    const slow = [light(heavy(1, 100_000)), light(heavy(2, 20_000)), light(heavy(3, 20_001))];
    expect(
      policy.decide(buildPrecopyStats({ pageCountTotal: 100_000, pageCountDirty: 1000, rounds: slow }))
        .action,
    ).toBe("continue");
  });

  it("without the adaptive rule the same growing rounds continue", () => {
    const rounds = [heavy(1, 100_000), heavy(2, 20_000), heavy(3, 20_001)];
    const stats = buildPrecopyStats({ pageCountTotal: 100_000, pageCountDirty: 20_000, rounds });
    expect(createXenLegacyPolicy().decide(stats).action).toBe("continue");
  });
});
