import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsAs } from "./support/test-pki.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { MIB, PAGE_SIZE_BYTES } from "../services/core/units.js";
import { NatsBus } from "../services/transport/bus/nats-bus.js";
import { decodeJson } from "../services/contracts/bus.js";
import { waitFor } from "../services/transport/bus/bus.case.js";
import type { DomainEvent } from "../services/contracts/domain-event.js";
import type { MigrationStatsView } from "../services/dom0/migrate/stats.js";
import {
  checksumOf,
  createFilledGuest,
  domainOn,
  domainsOf,
  freeMemoryKibOf,
  expectGrpcError,
  expectGuestOnlyOn,
  expectOnlyCopyOn,
  hostAt,
  setWorkload,
  startMigration,
  startTestCluster,
  type TestCluster,
  type TestHost,
  waitUntil,
} from "./support/migration-cluster.js";

/** A guest's workload changes its memory: seconds on a loaded machine, never a fixed sleep. */
const WORKLOAD_WRITES_TIMEOUT_MS = 15_000;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;
let c: TestHost;
let bus: NatsBus;
let workDir: string;
const domainEvents: DomainEvent[] = [];
const migrationMessages: Array<{ subject: string; stats: MigrationStatsView }> = [];

beforeAll(async () => {
  // Save files go to a directory every host may use (confined paths: --allow-dir).
  workDir = mkdtempSync(join(tmpdir(), "xsim-migration-test-"));
  cluster = await startTestCluster("m", 3, 11, { hostArgs: ["--allow-dir", workDir] });
  [a, b, c] = [hostAt(cluster, 0), hostAt(cluster, 1), hostAt(cluster, 2)];
  bus = await NatsBus.connect({
    servers: cluster.nats.url,
    name: "migration-test",
    security: natsOptionsAs("operator", "operator"),
  });
  bus.subscribe("xsim.host.*.domain.*", (_, data) => domainEvents.push(decodeJson<DomainEvent>(data)));
  bus.subscribe("xsim.migration.>", (subject, data) =>
    migrationMessages.push({ subject, stats: decodeJson<MigrationStatsView>(data) }),
  );
  await bus.flush();
});

afterAll(async () => {
  await bus?.close();
  await cluster?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("live migration between host processes", () => {
  it("moves a 128 MiB guest with a writable working set; memory as it was when it stopped writing", async () => {
    const filled = await createFilledGuest(a, "web", 128, "wws:hot=16M,rate=20000");
    // Until the working set wrote (a loaded machine may starve the host's ticks for a while).
    await waitUntil(async () => (await checksumOf(a, "web")) !== filled, WORKLOAD_WRITES_TIMEOUT_MS);
    await setWorkload(a, "web", "idle");
    const checksum = await checksumOf(a, "web");
    expect(checksum, "the working set wrote to the filled memory").not.toBe(filled);
    const stats = await startMigration(a, { domain: "web", destination: b.address }).done;
    expect(stats.status).toBe("completed");
    expect(stats.error).toBe("");
    expect(stats.pagesVerified).toBeGreaterThanOrEqual((128 * MIB) / PAGE_SIZE_BYTES);
    await expectGuestOnlyOn(cluster.hosts, b, "web", checksum);
    expect((await domainOn(b, "web"))?.workload).toBe("idle");
  });

  it("keeps a guest busy on its working set running at the destination", async () => {
    await createFilledGuest(a, "busy", 64, "wws:hot=8M,rate=20000");
    const stats = await startMigration(a, { domain: "busy", destination: b.address }).done;
    expect(stats.status).toBe("completed");
    expect(stats.dirtySyncCount).toBeGreaterThanOrEqual(2);
    const moved = await domainOn(b, "busy");
    expect(moved?.state).toMatch(/^(r-|-b|rb)-/);
    expect(moved?.workload).toMatch(/^wws:/);
    await expectOnlyCopyOn(cluster.hosts, b, "busy");
    const first = await checksumOf(b, "busy");
    // The workload runs on at the destination: its memory changes (polled, not after a fixed sleep).
    await waitUntil(async () => (await checksumOf(b, "busy")) !== first, WORKLOAD_WRITES_TIMEOUT_MS);
  });

  it("migrates non-live in one round (pause, copy, resume), memory preserved", async () => {
    const checksum = await createFilledGuest(a, "cold", 64);
    const stats = await startMigration(a, { domain: "cold", destination: c.address, live: false }).done;
    expect(stats.status).toBe("completed");
    expect(stats.live).toBe(false);
    expect(stats.dirtySyncCount).toBe(1);
    expect(stats.rounds).toHaveLength(1);
    expect(stats.rounds[0]?.stopAndCopy).toBe(true);
    expect(stats.downtimeBytes, "no pre-copy: every page is sent while paused").toBeGreaterThanOrEqual(
      64 * MIB,
    );
    await expectGuestOnlyOn(cluster.hosts, c, "cold", checksum);
  });

  it("leaves the guest paused at the destination when asked (xl migrate -p)", async () => {
    const checksum = await createFilledGuest(a, "held", 32);
    const stats = await startMigration(a, {
      domain: "held",
      destination: b.address,
      pausedAtDestination: true,
    }).done;
    expect(stats.status).toBe("completed");
    expect((await domainOn(b, "held"))?.state).toMatch(/^--p/);
    await expectOnlyCopyOn(cluster.hosts, b, "held");
    expect(await checksumOf(b, "held")).toBe(checksum);
  });

  it("publishes progress on xsim.migration.<id>.progress and migrated-out / migrated-in events", async () => {
    const checksum = await createFilledGuest(a, "watched", 64);
    const stats = await startMigration(a, {
      domain: "watched",
      destination: c.address,
      bandwidth: "40MB/s",
    }).done;
    expect(stats.status).toBe("completed");
    expect(stats.bandwidthLimit).toBe("fixed 40MB/s");
    await waitFor(() => domainEvents.some((e) => e.event === "migrated-in" && e.name === "watched"));
    await waitFor(() =>
      migrationMessages.some(
        (m) => m.stats.migrationId === stats.migrationId && m.stats.status === "completed",
      ),
    );
    const mine = migrationMessages.filter((m) => m.stats.migrationId === stats.migrationId);
    expect(new Set(mine.map((m) => m.subject))).toEqual(
      new Set([`xsim.migration.${stats.migrationId}.progress`]),
    );
    const active = mine.filter((m) => m.stats.status === "active");
    // How often progress comes is timing (PROGRESS_INTERVAL_MS is a floor, not a promise on a loaded
    // machine); the outcome is that a paced migration reports progress more than once, in order.
    expect(active.length, "progress before completion").toBeGreaterThanOrEqual(2);
    const sent = active.map((m) => m.stats.bytesTransferred);
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
    expect(mine.at(-1)?.stats.status).toBe("completed");

    const inEvent = domainEvents.find((e) => e.event === "migrated-in" && e.name === "watched");
    expect(inEvent?.hostId).toBe(c.hostId);
    expect(inEvent?.detail?.from).toBe(a.hostId);
    const outEvent = domainEvents.find((e) => e.event === "migrated-out" && e.uuid === inEvent?.uuid);
    expect(outEvent?.hostId).toBe(a.hostId);
    expect(outEvent?.name).toBe("watched");
    expect(outEvent?.detail?.to).toBe(c.address);
    await expectGuestOnlyOn(cluster.hosts, c, "watched", checksum);
  });
});

describe("save and restore through the RPCs", () => {
  let savePath = "";
  let checksum = "";

  it("saves a guest to a file (it is gone) and restores it on another host, running", async () => {
    checksum = await createFilledGuest(a, "kept", 64);
    savePath = join(workDir, "kept.xsim");
    const saved = await unaryCall(a.migration.save.bind(a.migration), {
      domain: "kept",
      path: savePath,
      keepRunning: false,
    });
    expect(saved.stats?.status).toBe("completed");
    expect(existsSync(savePath)).toBe(true);
    expect(await domainOn(a, "kept")).toBeUndefined();

    const restored = await unaryCall(b.migration.restore.bind(b.migration), {
      path: savePath,
      paused: false,
    });
    expect(restored.name).toBe("kept");
    expect(restored.memoryChecksum).toBe(checksum);
    expect(restored.pagesVerified).toBeGreaterThan(0);
    await expectGuestOnlyOn(cluster.hosts, b, "kept", checksum);
  });

  it("refuses a truncated or garbage file with INVALID_ARGUMENT and leaves no domain", async () => {
    // A guest of its own, saved and gone: a restore reserves the file's name first (names are
    // unique in the cluster), so a truncated copy of "kept", which runs, would be ALREADY_EXISTS.
    await createFilledGuest(a, "cut", 16);
    const cutPath = join(workDir, "cut.xsim");
    await unaryCall(a.migration.save.bind(a.migration), { domain: "cut", path: cutPath, keepRunning: false });
    const whole = readFileSync(cutPath);
    const truncatedPath = join(workDir, "truncated.xsim");
    writeFileSync(truncatedPath, whole.subarray(0, Math.floor(whole.length / 2)));
    const garbagePath = join(workDir, "garbage.xsim");
    writeFileSync(garbagePath, randomBytes(64 * 1024));
    const before = await domainsOf(c);
    const freeBefore = await freeMemoryKibOf(c);
    const restore = (path: string) =>
      unaryCall(c.migration.restore.bind(c.migration), { path, paused: false });
    await expectGrpcError(restore(truncatedPath), status.INVALID_ARGUMENT, /truncated|END/);
    await expectGrpcError(restore(garbagePath), status.INVALID_ARGUMENT, /stream/);
    await expectGrpcError(restore(join(workDir, "absent.xsim")), status.NOT_FOUND, "absent.xsim");
    expect(await freeMemoryKibOf(c), "the half-built domain's memory is freed").toBe(freeBefore);
    expect((await domainsOf(c)).map((d) => [d.domid, d.name])).toEqual(before.map((d) => [d.domid, d.name]));
  });

  it("refuses to restore over an existing name with ALREADY_EXISTS and changes nothing", async () => {
    const before = await domainsOf(b);
    const freeBefore = await freeMemoryKibOf(b);
    await expectGrpcError(
      unaryCall(b.migration.restore.bind(b.migration), { path: savePath, paused: false }),
      status.ALREADY_EXISTS,
      "kept",
    );
    expect(await freeMemoryKibOf(b)).toBe(freeBefore);
    expect((await domainsOf(b)).map((d) => [d.domid, d.name])).toEqual(before.map((d) => [d.domid, d.name]));
    expect(await checksumOf(b, "kept")).toBe(checksum);
  });
});
