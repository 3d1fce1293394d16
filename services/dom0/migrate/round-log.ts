import type { PrecopyRound } from "../precopy/policy.js";

/** One round as the statistics report it (QEMU has no per-round table; this is ours). */
export interface RoundReport extends PrecopyRound {
  stopAndCopy: boolean;
  throttleFraction: number;
  rateMbps: number;
}

export function roundReport(
  round: PrecopyRound,
  stopAndCopy: boolean,
  throttleFraction: number,
): RoundReport {
  const rateMbps = round.durationMs > 0 ? (round.bytesSent * 8) / 1000 / round.durationMs : 0;
  return { ...round, stopAndCopy, throttleFraction, rateMbps };
}
