/**
 * `xsim migrate --json` and `migrations --json`: a migration's statistics under QEMU's
 * `query-migrate` names (qapi/migration.json: MigrationInfo and its `ram` MigrationStats). The
 * whole name mapping is this one function, so a change in which figures are measured or estimated
 * is made here. Units are QEMU's: times in ms, sizes in bytes, `duplicate` and `normal` in pages,
 * `dirty-pages-rate` in pages/s, `mbps` in Mbit/s. `expected-downtime` is QEMU's estimate (not a
 * measurement) and, as in QEMU, only present while the migration is active. What QEMU has no name
 * for is under `x-xsim`; `x-xsim.estimates` holds every figure that is computed rather than
 * measured, under its QEMU name, while active and after (docs/specs/migration-statistics.md).
 */
import type { MigrationStats } from "../gen/xensim/v1/migration.js";

export type QueryMigrateJson = Record<string, unknown>;

export function queryMigrateJson(stats: MigrationStats): QueryMigrateJson {
  return {
    status: stats.status,
    "total-time": stats.totalTimeMs,
    "setup-time": stats.setupTimeMs,
    downtime: stats.downtimeMs,
    ...(stats.status === "active" ? { "expected-downtime": stats.expectedDowntimeEstimateMs } : {}),
    ram: {
      transferred: stats.bytesTransferred,
      remaining: stats.bytesRemaining,
      total: stats.bytesTotal,
      duplicate: stats.zeroPages,
      normal: stats.normalPages,
      "normal-bytes": stats.normalBytes,
      "dirty-pages-rate": stats.dirtyPagesRate,
      mbps: stats.mbps,
      "dirty-sync-count": stats.dirtySyncCount,
      "page-size": stats.pageSize,
      "pages-per-second": stats.pagesPerSecond,
      "precopy-bytes": stats.precopyBytes,
      "downtime-bytes": stats.downtimeBytes,
    },
    ...(stats.cpuThrottlePercentage > 0 ? { "cpu-throttle-percentage": stats.cpuThrottlePercentage } : {}),
    ...(stats.error ? { "error-desc": stats.error } : {}),
    "x-xsim": {
      "migration-id": stats.migrationId,
      domain: stats.domain,
      source: stats.source,
      destination: stats.destination,
      policy: stats.policy,
      live: stats.live,
      "bandwidth-limit": stats.bandwidthLimit,
      "stop-reason": stats.stopReason,
      "pages-verified": stats.pagesVerified,
      "bytes-received": stats.bytesReceived,
      "memory-checksum": stats.memoryChecksum,
      rounds: stats.rounds,
      estimates: { "expected-downtime": stats.expectedDowntimeEstimateMs },
    },
  };
}
