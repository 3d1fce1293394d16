import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import type { MigrationStats } from "../services/gen/xensim/v1/migration.js";
import {
  createFilledGuest,
  expectGuestOnlyOn,
  hostAt,
  startMigration,
  startTestCluster,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";

/**
 * Real migrations between host processes, each figure pinned between bounds it must respect
 * (docs/specs/migration-statistics.md, "Bounds"). Only orderings and identities: no bound depends
 * on how fast this machine is.
 */
const STALL_AFTER_PAUSE_MS = 400;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;

beforeAll(async () => {
  cluster = await startTestCluster("fg", 2, 81, { allowFaultInjection: true });
  [a, b] = [hostAt(cluster, 0), hostAt(cluster, 1)];
});

afterAll(async () => {
  await cluster?.stop();
});

function stallAfterPause(host: TestHost, domain: string) {
  const f = host.faults;
  return unaryCall(f.armMigrationFault.bind(f), {
    domain,
    corruptPage: false,
    stallAfterPauseMs: STALL_AFTER_PAUSE_MS,
    stallBeforeHandoverMs: 0,
  });
}

/** Migrates with the client's own clock around the call: the outermost bound on every time. */
async function timedMigration(
  source: TestHost,
  destination: TestHost,
  domain: string,
  live: boolean,
): Promise<{ stats: MigrationStats; callMs: number }> {
  const beganMs = performance.now();
  const stats = await startMigration(source, {
    domain,
    destination: destination.address,
    live,
    bandwidth: "40MB/s",
  }).done;
  return { stats, callMs: performance.now() - beganMs };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The bounds that hold for every completed migration, live or not. */
function expectHonestFigures(stats: MigrationStats, callMs: number): void {
  const stop = stats.rounds.at(-1)!;
  expect(stop.stopAndCopy).toBe(true);
  expect(stats.downtimeMs, "downtime within the client's measure of the call").toBeLessThanOrEqual(callMs);
  expect(stats.totalTimeMs, "total within the client's measure of the call").toBeLessThanOrEqual(callMs);
  expect(stats.downtimeMs, "downtime covers the stop-and-copy round").toBeGreaterThanOrEqual(stop.durationMs);
  expect(stats.setupTimeMs, "setup includes Prepare and the pull attach").toBeGreaterThan(0);
  // Live, the pause comes after setup; not live, it comes just before the first page.
  const afterSetupMs = stats.live ? stats.totalTimeMs - stats.setupTimeMs : stats.totalTimeMs;
  expect(stats.downtimeMs).toBeLessThanOrEqual(afterSetupMs);
  expect(afterSetupMs).toBeGreaterThanOrEqual(sum(stats.rounds.map((r) => r.durationMs)));
  expect(stats.bytesTransferred, "the destination decoded every byte sent").toBe(stats.bytesReceived);
  expect(stats.bytesTransferred).toBe(stats.precopyBytes + stats.downtimeBytes);
  expect(stats.precopyBytes + sum(stats.rounds.filter((r) => r.stopAndCopy).map((r) => r.bytesSent))).toBe(
    stats.bytesTransferred,
  );
  const transferMs = stats.totalTimeMs - stats.setupTimeMs;
  expect(stats.mbps).toBeCloseTo((stats.bytesTransferred * 8) / transferMs / 1000, 9);
  expect(stats.dirtySyncCount).toBe(stats.rounds.length);
}

describe("a real migration's figures, pinned between bounds", () => {
  it("live: downtime is at least a stall injected after the pause, and the time adds up", async () => {
    const checksum = await createFilledGuest(a, "live", 64);
    await stallAfterPause(a, "live");
    const { stats, callMs } = await timedMigration(a, b, "live", true);
    expect(stats.status).toBe("completed");
    expect(stats.downtimeMs).toBeGreaterThanOrEqual(STALL_AFTER_PAUSE_MS);
    expectHonestFigures(stats, callMs);
    const live = stats.rounds.filter((r) => !r.stopAndCopy);
    expect(live.length).toBeGreaterThanOrEqual(1);
    // The intervals [start, first page], the live rounds and [pause, committed] do not overlap.
    expect(stats.totalTimeMs).toBeGreaterThanOrEqual(
      stats.setupTimeMs + sum(live.map((r) => r.durationMs)) + stats.downtimeMs,
    );
    expect(
      stats.expectedDowntimeEstimateMs,
      "an estimate, present beside the measurement",
    ).toBeGreaterThanOrEqual(0);
    await expectGuestOnlyOn(cluster.hosts, b, "live", checksum);
  });

  it("non-live: the guest is paused for the whole copy, and downtime counts all of it", async () => {
    const checksum = await createFilledGuest(b, "cold", 64);
    await stallAfterPause(b, "cold");
    const { stats, callMs } = await timedMigration(b, a, "cold", false);
    expect(stats.status).toBe("completed");
    expect(stats.rounds).toHaveLength(1);
    expect(stats.precopyBytes, "nothing is sent before the pause but the header").toBeLessThan(4096);
    expect(stats.downtimeMs).toBeGreaterThanOrEqual(STALL_AFTER_PAUSE_MS);
    // 64 MiB at 40 MB/s take 1.6 s of paced sending, all of it while paused.
    expect(stats.downtimeMs).toBeGreaterThanOrEqual((64 * 1024 * 1024 * 1000) / 40e6);
    expectHonestFigures(stats, callMs);
    await expectGuestOnlyOn(cluster.hosts, a, "cold", checksum);
  });
});
