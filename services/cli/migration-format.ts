import type { MigrationStats } from "../gen/xensim/v1/migration.js";

const MIB = 1024 * 1024;

/** The statistics of a finished migration, in the spirit of QEMU's `info migrate`. */
export function formatMigrationStats(stats: MigrationStats): string {
  const lines = [
    `Migration ${stats.migrationId}: ${stats.domain} ${stats.source} -> ${stats.destination}`,
    `status: ${stats.status}${stats.error ? ` (${stats.error})` : ""}`,
    `policy: ${stats.policy}${stats.live ? "" : " (non-live)"}   bandwidth limit: ${stats.bandwidthLimit}   stop: ${stats.stopReason || "-"}`,
    `total time: ${ms(stats.totalTimeMs)}   setup: ${ms(stats.setupTimeMs)}   downtime: ${ms(stats.downtimeMs)}   expected downtime (estimate): ${ms(stats.expectedDowntimeEstimateMs)}`,
    `transferred: ${mib(stats.bytesTransferred)}   remaining: ${mib(stats.bytesRemaining)}   total: ${mib(stats.bytesTotal)}   (${(stats.bytesTransferred / Math.max(1, stats.bytesTotal)).toFixed(2)} x memory)`,
    `throughput: ${stats.mbps.toFixed(0)} Mbit/s (${(stats.mbps / 8).toFixed(0)} MB/s)   pages/s: ${stats.pagesPerSecond.toFixed(0)}`,
    `normal pages: ${stats.normalPages}   zero pages: ${stats.zeroPages}   pages verified at destination: ${stats.pagesVerified}`,
    `dirty-sync-count: ${stats.dirtySyncCount}   dirty pages rate: ${stats.dirtyPagesRate.toFixed(0)} pages/s   cpu throttle: ${stats.cpuThrottlePercentage.toFixed(0)} %`,
    `precopy: ${mib(stats.precopyBytes)}   downtime bytes: ${mib(stats.downtimeBytes)}`,
  ];
  if (stats.rounds.length > 0) lines.push("", formatRounds(stats));
  return lines.join("\n");
}

export function formatRounds(stats: MigrationStats): string {
  const header = "round  phase          pages sent  dirtied meanwhile  duration      Mbit/s  throttle";
  const rows = stats.rounds.map(
    (r) =>
      `${String(r.round).padStart(5)}  ${(r.stopAndCopy ? "stop-and-copy" : "live").padEnd(13)}  ${String(r.pagesSent).padStart(10)}  ` +
      `${String(r.pagesDirtiedDuring).padStart(17)}  ${ms(r.durationMs).padStart(10)}  ${r.rateMbps.toFixed(0).padStart(10)}  ${r.throttlePercentage.toFixed(0).padStart(6)} %`,
  );
  return [header, ...rows].join("\n");
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
