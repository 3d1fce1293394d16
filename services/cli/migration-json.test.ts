import { describe, expect, it } from "vitest";
import { MigrationStats } from "../gen/xensim/v1/migration.js";
import { queryMigrateJson } from "./migration-json.js";

const COMPLETED = MigrationStats.fromPartial({
  migrationId: "m1",
  domain: "web",
  status: "completed",
  policy: "qemu",
  live: true,
  totalTimeMs: 812.5,
  setupTimeMs: 3.25,
  downtimeMs: 41.5,
  expectedDowntimeEstimateMs: 30,
  bytesTransferred: 300_000_000,
  bytesRemaining: 0,
  bytesTotal: 268_435_456,
  zeroPages: 1000,
  normalPages: 72_000,
  normalBytes: 72_000 * 4096,
  dirtyPagesRate: 4000,
  mbps: 2950.5,
  dirtySyncCount: 6,
  pageSize: 4096,
  pagesPerSecond: 90_000,
  precopyBytes: 280_000_000,
  downtimeBytes: 20_000_000,
  cpuThrottlePercentage: 30,
});

describe("queryMigrateJson: QEMU's query-migrate names and units", () => {
  it("names a completed migration's figures as MigrationInfo does", () => {
    const json = queryMigrateJson(COMPLETED);
    expect(json).toMatchObject({
      status: "completed",
      "total-time": 812.5,
      "setup-time": 3.25,
      downtime: 41.5,
      "cpu-throttle-percentage": 30,
      ram: {
        transferred: 300_000_000,
        remaining: 0,
        total: 268_435_456,
        duplicate: 1000,
        normal: 72_000,
        "normal-bytes": 72_000 * 4096,
        "dirty-pages-rate": 4000,
        mbps: 2950.5,
        "dirty-sync-count": 6,
        "page-size": 4096,
        "pages-per-second": 90_000,
        "precopy-bytes": 280_000_000,
        "downtime-bytes": 20_000_000,
      },
    });
    expect(json).not.toHaveProperty("totalTimeMs");
    expect(json).not.toHaveProperty("error-desc");
  });

  it("gives the estimate expected-downtime only while active, as QEMU", () => {
    expect(queryMigrateJson(COMPLETED)).not.toHaveProperty("expected-downtime");
    const active = queryMigrateJson({ ...COMPLETED, status: "active" });
    expect(active["expected-downtime"]).toBe(30);
  });

  it("labels every computed figure: x-xsim.estimates holds the expected downtime, active or not", () => {
    for (const status of ["active", "completed"])
      expect(queryMigrateJson({ ...COMPLETED, status })["x-xsim"]).toMatchObject({
        estimates: { "expected-downtime": 30 },
      });
  });

  it("reports a failure as error-desc, and no throttle when there was none", () => {
    const json = queryMigrateJson({
      ...COMPLETED,
      status: "failed",
      error: "destination gone",
      cpuThrottlePercentage: 0,
    });
    expect(json["error-desc"]).toBe("destination gone");
    expect(json).not.toHaveProperty("cpu-throttle-percentage");
  });
});
