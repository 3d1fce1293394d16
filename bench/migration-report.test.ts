import { describe, expect, it } from "vitest";
import { MigrationStats } from "../services/gen/xensim/v1/migration.js";
import {
  GOAL_IDLE_DOWNTIME_MS,
  firstRoundRateOf,
  scenarioRows,
  throughputOf,
  tlsCostRows,
} from "./migration-report.js";
import type { Scenario } from "./migration-scenario.js";

const GIB = 1024 ** 3;
const IDLE: Scenario = {
  name: "idle",
  workload: "idle",
  policy: "xen",
  downtimeLimitMs: 0,
  downtimeGoalMs: GOAL_IDLE_DOWNTIME_MS,
};
const BASELINES = { tcpBytesPerSecond: [2e9], grpcBytesPerSecond: [1e9] };

function stats(status: string, downtimeMs: number): MigrationStats {
  return MigrationStats.fromPartial({
    status,
    totalTimeMs: 2000,
    downtimeMs,
    bytesTransferred: GIB,
    dirtySyncCount: 2,
    rounds: [{ round: 1, bytesSent: GIB, durationMs: 1000 }],
  });
}

const run = (status: string, downtimeMs: number) => ({
  stats: stats(status, downtimeMs),
  sourceCpuMs: 1000,
  destinationCpuMs: 1200,
});

describe("migration report", () => {
  it("takes throughput over the total time and round 1's rate over its own duration", () => {
    expect(throughputOf(stats("completed", 5))).toBeCloseTo(GIB / 2);
    expect(firstRoundRateOf(stats("completed", 5))).toBeCloseTo(GIB);
  });

  it("judges the goals on completed runs only and compares with the baselines", () => {
    const figures = {
      scenario: IDLE,
      runs: [run("completed", 10), run("completed", 30), run("failed", 0)],
      model: undefined,
      modelBandwidthBytesPerSecond: 0,
    };
    const rows = scenarioRows(figures, BASELINES, GIB);
    expect(rows[0]?.detail).toMatch(/^2 of 3 completed/);
    expect(rows.find((r) => r.figure === "  / bare grpc-js stream")?.value).toBe((GIB / 2 / 1e9).toFixed(2));
    expect(rows.find((r) => r.figure === "  downtime median")).toMatchObject({ value: "20.0 ms", met: true });
    expect(rows.find((r) => r.figure === "  downtime max")).toMatchObject({ value: "30.0 ms", met: false });
  });

  it("reports a scenario none of whose migrations completed as missed", () => {
    const figures = {
      scenario: IDLE,
      runs: [run("failed", 0)],
      model: undefined,
      modelBandwidthBytesPerSecond: 0,
    };
    const rows = scenarioRows(figures, BASELINES, GIB);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: "-", met: false });
    expect(rows[0]?.detail).toMatch(/^0 of 1 completed: failed/);
  });

  it("prices TLS from the same run's completed migrations, and names the TLS rows apart", () => {
    const withTimeMs = (totalTimeMs: number) => ({
      ...run("completed", 10),
      stats: { ...stats("completed", 10), totalTimeMs },
    });
    const figures = (runs: ReturnType<typeof run>[]) => ({
      scenario: IDLE,
      runs,
      model: undefined,
      modelBandwidthBytesPerSecond: 0,
    });
    const plain = figures([withTimeMs(2000), withTimeMs(2000)]);
    const tls = figures([withTimeMs(4000), withTimeMs(4000), run("failed", 0)]);
    const rows = tlsCostRows([plain], [tls]);
    expect(rows[0]).toMatchObject({ figure: "TLS cost, idle: throughput TLS / none", value: "0.50" });
    expect(scenarioRows(tls, BASELINES, GIB, " (TLS)")[0]?.figure).toBe("idle (TLS): throughput");
    expect(tlsCostRows([plain], [figures([run("failed", 0)])])).toEqual([]);
  });
});
