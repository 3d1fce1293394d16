import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumOf,
  createFilledGuest,
  expectOnlyCopyOn,
  hostAt,
  sleepMs,
  waitForNoLeftovers,
  startTestCluster,
  waitUntil,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";
import { runXsim, runXsimWithEnv, type XsimRun } from "./support/xsim-cli.js";
import { CLI_QUERY_DEADLINE_MS } from "../services/cli/query-deadline.js";
import { startSchedulerCluster, type SchedulerCluster } from "./support/scheduler-cluster.js";

/**
 * The CLI and a stalled host (SIGSTOP: a host whose event loop is starved, or hung).
 *
 * `xsim migrate` watches a migration through the source host, straight (-H) or through the
 * scheduler, which watches it in turn. The source stalls for longer than the host-to-host stream's
 * keepalive (2 s + 2 s): the user must still get the source's own answer (completed, or failed
 * with its reason), not a watcher's channel dropped while the migration went on without anyone
 * watching. And a query (`xsim list -H`) to a host that stays stalled ends at the CLI's deadline,
 * saying so, instead of hanging for ever.
 */
/** 64 MiB at 8 MB/s: round 1 alone takes some 8 s, so the stall falls inside the migration. */
const BANDWIDTH = "8MB/s";
/** Longer than the migration stream's keepalive (2 s time + 2 s timeout), with room. */
const STALL_MS = 6_000;
/** The whole migration with its stall, on a loaded machine. */
const MIGRATION_TIMEOUT_MS = 120_000;
/** Scheduler case: heartbeats far enough apart that the stall is no missed heartbeat (not what this tests). */
const SCHEDULER_CASE_HEARTBEAT_MS = 5_000;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;
let home: string;

beforeAll(async () => {
  cluster = await startTestCluster("ws", 2, 101);
  [a, b] = [hostAt(cluster, 0), hostAt(cluster, 1)];
  home = mkdtempSync(join(tmpdir(), "xsim-watch-stall-"));
});

afterAll(async () => {
  a?.process.process.kill("SIGCONT");
  b?.process.process.kill("SIGCONT");
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/**
 * Starts `migrate` (the CLI, watching), stalls `source` once the migration runs, and checks that
 * the CLI printed the source's final answer and that the guest is on exactly one host, its memory
 * unchanged.
 */
async function stallSourceWhileWatched(
  hosts: readonly TestHost[],
  source: TestHost,
  destination: TestHost,
  name: string,
  migrate: () => Promise<XsimRun>,
): Promise<void> {
  await createFilledGuest(source, name, 64, "idle");
  const checksum = await checksumOf(source, name);
  const migrating = migrate();
  await waitUntil(async () => {
    const run = await runXsim(home, "-H", source.address, "migrations");
    return new RegExp(`\\b${name}\\b.* active `).test(run.stdout);
  }, MIGRATION_TIMEOUT_MS);
  source.process.process.kill("SIGSTOP");
  await sleepMs(STALL_MS);
  source.process.process.kill("SIGCONT");

  const done = await migrating;
  // Before: "xsim: Connection dropped" and nothing on stdout, a watcher's channel given up.
  expect(done.stdout, `the source's final statistics (stderr: ${done.stderr})`).toMatch(/^\{/);
  const final = JSON.parse(done.stdout) as { status: string };
  expect(["completed", "failed"], done.stderr).toContain(final.status);
  expect(done.code, done.stderr).toBe(final.status === "completed" ? 0 : 1);
  if (final.status === "failed")
    expect(done.stderr, "the source's reason").toMatch(/^xsim: migration failed: destination .+: /);
  const holder = final.status === "completed" ? destination : source;
  await waitForNoLeftovers(hosts, name);
  await expectOnlyCopyOn(hosts, holder, name);
  expect(await checksumOf(holder, name), "the guest's memory, wherever it is").toBe(checksum);
}

describe("xsim migrate while the source host stalls (real processes)", () => {
  it(
    "-H SOURCE: prints the source's final answer; the guest is on exactly one host with its memory",
    () =>
      stallSourceWhileWatched(cluster.hosts, a, b, "watched", () =>
        runXsim(home, "-H", a.address, "migrate", "--json", "--bandwidth", BANDWIDTH, "watched", b.address),
      ),
    MIGRATION_TIMEOUT_MS + STALL_MS,
  );

  describe("through the scheduler", () => {
    let scheduled: SchedulerCluster;
    beforeAll(async () => {
      const hosts = ["sw1", "sw2"].map((hostId, i) => ({
        hostId,
        listenHost: `127.0.14.${i + 1}`,
        memoryMib: 2048,
      }));
      scheduled = await startSchedulerCluster(hosts, SCHEDULER_CASE_HEARTBEAT_MS);
    });
    afterAll(async () => {
      scheduled?.host("sw1").process.process.kill("SIGCONT");
      await scheduled?.stop();
    });

    it(
      "the scheduler's watch of the source survives the stall: the CLI prints the source's answer",
      () => {
        const [source, destination] = [scheduled.host("sw1"), scheduled.host("sw2")];
        const env = { XSIM_SCHEDULER: scheduled.scheduler.address };
        return stallSourceWhileWatched(scheduled.hosts, source, destination, "relayed", () =>
          runXsimWithEnv(home, env, "migrate", "--json", "--bandwidth", BANDWIDTH, "relayed", "sw2"),
        );
      },
      MIGRATION_TIMEOUT_MS + STALL_MS,
    );

    it(
      "xsim list -c (every host asked) lists the hosts that answer and names the stalled one",
      async () => {
        const [running, stalled] = [scheduled.host("sw1"), scheduled.host("sw2")];
        await createFilledGuest(running, "listed", 16, "idle");
        const env = { XSIM_SCHEDULER: scheduled.scheduler.address };
        stalled.process.process.kill("SIGSTOP");
        try {
          const run = await runXsimWithEnv(home, env, "list", "-c");
          expect(run.code, run.stderr).toBe(0);
          expect(run.stdout).toMatch(/^listed\b.* sw1$/m);
          expect(run.stderr).toBe(
            `xsim: not listed: the domains of host sw2: ${stalled.address} did not answer List within ` +
              `${CLI_QUERY_DEADLINE_MS / 1000} s (stalled, overloaded or cut off); a query changes nothing; ` +
              "they may still run\n",
          );
        } finally {
          stalled.process.process.kill("SIGCONT");
        }
      },
      CLI_QUERY_DEADLINE_MS + MIGRATION_TIMEOUT_MS,
    );
  });

  it(
    "xsim list -H of a host that stays stalled ends at the CLI's deadline, saying who did not answer",
    async () => {
      b.process.process.kill("SIGSTOP");
      try {
        const run = await runXsim(home, "-H", b.address, "list");
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toBe(
          `xsim: ${b.address} did not answer List within ${CLI_QUERY_DEADLINE_MS / 1000} s ` +
            "(stalled, overloaded or cut off); a query changes nothing\n",
        );
      } finally {
        b.process.process.kill("SIGCONT");
      }
      const after = await runXsim(home, "-H", b.address, "list");
      expect(after.code, "answers again once it runs").toBe(0);
    },
    CLI_QUERY_DEADLINE_MS + MIGRATION_TIMEOUT_MS,
  );
});
