import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumOf,
  createFilledGuest,
  expectGrpcError,
  expectGuestOnlyOn,
  hostAt,
  startMigration,
  startTestCluster,
  waitForNoLeftovers,
  waitUntil,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";
import { runXsim, startXsim, type XsimRun } from "./support/xsim-cli.js";
import { listAll, startSchedulerCluster, type SchedulerCluster } from "./support/scheduler-cluster.js";

/**
 * Cancelling a live migration, as a user does it (docs/specs/migration-protocol.md, "Cancel"):
 * Ctrl-C at `xsim migrate` (straight to the source, or through the scheduler), or
 * `xsim migrate-cancel DOMAIN` from another terminal. The guest must run on at the source, its
 * memory untouched, with no NAME--incoming left at the destination.
 */
/** 64 MiB at 8 MB/s: some 8 s, so the cancel falls inside the stream. */
const BANDWIDTH = "8MB/s";
const GUEST_MEMORY_MIB = 64;
/** A migration and its cancel on a loaded machine. */
const CASE_TIMEOUT_MS = 90_000;
/** Heartbeats of the scheduler case: not what this tests. */
const SCHEDULER_CASE_HEARTBEAT_MS = 1_000;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;
let home: string;

beforeAll(async () => {
  cluster = await startTestCluster("mc", 2, 111);
  [a, b] = [hostAt(cluster, 0), hostAt(cluster, 1)];
  home = mkdtempSync(join(tmpdir(), "xsim-cancel-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Until `source` lists a migration of `name` as active (its stream runs). */
function waitForActive(source: TestHost, name: string): Promise<void> {
  return waitUntil(async () => {
    const run = await runXsim(home, "-H", source.address, "migrations");
    return new RegExp(`\\b${name}\\b.* active `).test(run.stdout);
  }, CASE_TIMEOUT_MS);
}

/** What `xsim migrate --json` printed and how it ended, once Ctrl-C cancelled it. */
function expectCancelledByCtrlC(done: XsimRun, name: string): void {
  expect(done.stderr).toContain(`xsim: cancelling the migration of ${name} (Ctrl-C again to stop watching)`);
  expect(done.stdout, `the source's final statistics (stderr: ${done.stderr})`).toMatch(/^\{/);
  const final = JSON.parse(done.stdout) as { status: string };
  expect(final.status, done.stderr).toBe("cancelled");
  expect(done.code, done.stderr).toBe(1);
  expect(done.stderr).toMatch(
    new RegExp(
      `migration cancelled: the migration of ${name} was cancelled: the operator asked \\(Ctrl-C at xsim migrate\\); the guest runs on at the source`,
    ),
  );
}

describe("cancelling a migration (real processes)", () => {
  it(
    "Ctrl-C at xsim migrate -H SOURCE: the migration ends cancelled, the guest runs on at the source, memory whole",
    async () => {
      await createFilledGuest(a, "ctrlc", GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(a, "ctrlc");
      const cli = startXsim(
        home,
        {},
        "-H",
        a.address,
        "migrate",
        "--json",
        "--bandwidth",
        BANDWIDTH,
        "ctrlc",
        b.address,
      );
      await waitForActive(a, "ctrlc");
      cli.child.kill("SIGINT");
      expectCancelledByCtrlC(await cli.done, "ctrlc");
      await waitForNoLeftovers(cluster.hosts, "ctrlc");
      await expectGuestOnlyOn(cluster.hosts, a, "ctrlc", checksum);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "xsim migrate-cancel from another terminal: says where the guest runs; the watcher sees it cancelled",
    async () => {
      await createFilledGuest(a, "other", GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(a, "other");
      const run = startMigration(a, { domain: "other", destination: b.address, bandwidth: BANDWIDTH });
      await waitForActive(a, "other");
      const cancel = await runXsim(home, "-H", a.address, "migrate-cancel", "other");
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.stdout).toMatch(
        new RegExp(
          `^Cancelled the migration of other \\(${a.hostId} -> ${b.hostId}\\) after \\d+ ms: other runs on at ${a.hostId}\\n$`,
        ),
      );
      await expectGrpcError(run.done, status.ABORTED, /the migration of other was cancelled/);
      expect(run.events.at(-1)?.status).toBe("cancelled");
      expect(run.events.map((e) => e.status)).toContain("cancelling");
      await waitForNoLeftovers(cluster.hosts, "other");
      await expectGuestOnlyOn(cluster.hosts, a, "other", checksum);
      // Nothing was left half-done: the same guest migrates afterwards.
      const again = await runXsim(home, "-H", a.address, "migrate", "--json", "other", b.address);
      expect(again.code, again.stderr).toBe(0);
      await expectGuestOnlyOn(cluster.hosts, b, "other", checksum);
    },
    CASE_TIMEOUT_MS,
  );

  it("xsim migrate-cancel of a guest that is not moving says so and changes nothing", async () => {
    await createFilledGuest(a, "still", 16, "idle");
    const run = await runXsim(home, "-H", a.address, "migrate-cancel", "still");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/this host sends no migration of still/);
    await expectGuestOnlyOn(cluster.hosts, a, "still", await checksumOf(a, "still"));
  });

  describe("through the scheduler", () => {
    let scheduled: SchedulerCluster;
    beforeAll(async () => {
      const hosts = ["sc1", "sc2"].map((hostId, i) => ({
        hostId,
        listenHost: `127.0.18.${i + 1}`,
        memoryMib: 2048,
      }));
      scheduled = await startSchedulerCluster(hosts, SCHEDULER_CASE_HEARTBEAT_MS);
    });
    afterAll(async () => {
      await scheduled?.stop();
    });

    it(
      "Ctrl-C at xsim migrate (no -H): the CLI finds the source and cancels there; the scheduler lists the guest once, at the source",
      async () => {
        const [source] = [scheduled.host("sc1")];
        await createFilledGuest(source, "relayed", GUEST_MEMORY_MIB, "idle");
        const checksum = await checksumOf(source, "relayed");
        const env = { XSIM_SCHEDULER: scheduled.scheduler.address };
        await waitUntil(
          async () => (await listAll(scheduled.scheduler)).some((d) => d.domain?.name === "relayed"),
          CASE_TIMEOUT_MS,
        );
        const cli = startXsim(home, env, "migrate", "--json", "--bandwidth", BANDWIDTH, "relayed", "sc2");
        await waitForActive(source, "relayed");
        cli.child.kill("SIGINT");
        expectCancelledByCtrlC(await cli.done, "relayed");
        await waitForNoLeftovers(scheduled.hosts, "relayed");
        await expectGuestOnlyOn(scheduled.hosts, source, "relayed", checksum);
        await waitUntil(async () => {
          const listed = (await listAll(scheduled.scheduler)).filter((d) => d.domain?.name === "relayed");
          return listed.length === 1 && listed[0]?.hostId === "sc1";
        }, CASE_TIMEOUT_MS);
      },
      CASE_TIMEOUT_MS,
    );
  });
});
