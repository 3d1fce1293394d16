import { PAGE_SIZE_BYTES } from "../../core/units.js";
import type { SenderResult } from "./sender.js";
import type { RoundReport } from "./round-log.js";

export type MigrationStatus =
  "setup" | "active" | "stop-and-copy" | "completed" | "failed" | "cancelling" | "cancelled" | "unknown";

/**
 * Statistics after QEMU's query-migrate (qapi/migration.json), defined in
 * docs/specs/migration-statistics.md: every figure measured, except `expectedDowntimeEstimateMs`.
 */
export interface MigrationStatsView {
  migrationId: string;
  domain: string;
  source: string;
  destination: string;
  status: MigrationStatus;
  policy: string;
  live: boolean;
  error: string;
  totalTimeMs: number;
  setupTimeMs: number;
  downtimeMs: number;
  /** An estimate, not a measurement (QEMU's expected-downtime): see the spec for the formula. */
  expectedDowntimeEstimateMs: number;
  bytesTransferred: number;
  /** What the destination says it decoded; 0 until it confirmed the stream. */
  bytesReceived: number;
  bytesRemaining: number;
  bytesTotal: number;
  zeroPages: number;
  normalPages: number;
  normalBytes: number;
  dirtyPagesRate: number;
  mbps: number;
  dirtySyncCount: number;
  precopyBytes: number;
  downtimeBytes: number;
  pageSize: number;
  pagesPerSecond: number;
  cpuThrottlePercentage: number;
  stopReason: string;
  rounds: Array<{
    round: number;
    pagesSent: number;
    pagesDirtiedDuring: number;
    durationMs: number;
    rateMbps: number;
    bytesSent: number;
    throttlePercentage: number;
    stopAndCopy: boolean;
  }>;
  memoryChecksum: string;
  bandwidthLimit: string;
  pagesVerified: number;
}

export function emptyStats(
  base: Pick<
    MigrationStatsView,
    "migrationId" | "domain" | "source" | "destination" | "policy" | "live" | "bandwidthLimit"
  >,
  pageCountTotal: number,
): MigrationStatsView {
  return {
    ...base,
    status: "setup",
    error: "",
    totalTimeMs: 0,
    setupTimeMs: 0,
    downtimeMs: 0,
    expectedDowntimeEstimateMs: 0,
    bytesTransferred: 0,
    bytesReceived: 0,
    bytesRemaining: pageCountTotal * PAGE_SIZE_BYTES,
    bytesTotal: pageCountTotal * PAGE_SIZE_BYTES,
    zeroPages: 0,
    normalPages: 0,
    normalBytes: 0,
    dirtyPagesRate: 0,
    mbps: 0,
    dirtySyncCount: 0,
    precopyBytes: 0,
    downtimeBytes: 0,
    pageSize: PAGE_SIZE_BYTES,
    pagesPerSecond: 0,
    cpuThrottlePercentage: 0,
    stopReason: "",
    rounds: [],
    memoryChecksum: "",
    pagesVerified: 0,
  };
}

/** The instants a migration's times are measured between (docs/specs/migration-statistics.md). */
export interface MigrationInstants {
  startMs: number;
  firstPageAtMs: number;
  pausedAtMs: number;
  committedAtMs: number;
}

/** Fills the figures of a finished migration from the sender's run and the source's instants. */
export function completeStats(
  stats: MigrationStatsView,
  result: SenderResult,
  instants: MigrationInstants,
): MigrationStatsView {
  const pagesSent = result.pageCountNormal + result.pageCountZero;
  const totalMs = instants.committedAtMs - instants.startMs;
  const setupMs = instants.firstPageAtMs - instants.startMs;
  const transferMs = totalMs - setupMs;
  return {
    ...stats,
    totalTimeMs: totalMs,
    setupTimeMs: setupMs,
    downtimeMs: instants.committedAtMs - instants.pausedAtMs,
    expectedDowntimeEstimateMs: result.expectedDowntimeEstimateMs,
    bytesTransferred: result.bytesSent,
    bytesRemaining: 0,
    zeroPages: result.pageCountZero,
    normalPages: result.pageCountNormal,
    normalBytes: result.pageCountNormal * PAGE_SIZE_BYTES,
    dirtyPagesRate: result.dirtyPagesRate,
    mbps: transferMs > 0 ? (result.bytesSent * 8) / transferMs / 1000 : 0,
    dirtySyncCount: result.rounds.length,
    precopyBytes: result.precopyBytes,
    downtimeBytes: result.downtimeBytes,
    pagesPerSecond: transferMs > 0 ? (pagesSent * 1000) / transferMs : 0,
    cpuThrottlePercentage: result.throttleFraction * 100,
    stopReason: result.stopReason,
    rounds: result.rounds.map(roundView),
  };
}

function roundView(round: RoundReport): MigrationStatsView["rounds"][number] {
  return {
    round: round.round,
    pagesSent: round.pageCountSent,
    pagesDirtiedDuring: round.pageCountDirtiedDuring,
    durationMs: round.durationMs,
    rateMbps: round.rateMbps,
    bytesSent: round.bytesSent,
    throttlePercentage: round.throttleFraction * 100,
    stopAndCopy: round.stopAndCopy,
  };
}
