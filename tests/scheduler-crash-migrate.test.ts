import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  waitForNoLeftovers,
  waitUntil,
} from "./support/migration-cluster.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  cfg,
  createVia,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForHostsUp,
  waitForSynced,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";
import { runXsim, runXsimWithEnv } from "./support/xsim-cli.js";

/**
 * The scheduler is killed (SIGKILL) while `xsim migrate` runs through it. The migration is the
 * hosts' (the source goes on without a watcher): the user is told the scheduler stopped answering
 * and that the outcome is unknown; a new scheduler then finds the guest on exactly one host, with
 * its memory, and its name still taken.
 */
const HOSTS = ["sk1", "sk2"].map((hostId, i) => ({
  hostId,
  listenHost: `127.0.15.${i + 1}`,
  memoryMib: 2048,
  dom0MemoryMib: 256,
}));
/** 64 MiB at 8 MB/s: round 1 alone takes some 8 s, so the kill falls inside the migration. */
const BANDWIDTH = "8MB/s";
/** The migration, the new scheduler's start and its first reads, on a loaded machine. */
const CASE_TIMEOUT_MS = 180_000;

let cluster: SchedulerCluster;
let home: string;

beforeAll(async () => {
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
  home = mkdtempSync(join(tmpdir(), "xsim-scheduler-crash-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("the scheduler killed during a migration it started (real processes)", () => {
  it(
    "the CLI says the outcome is unknown; a new scheduler finds the guest once, its memory and name kept",
    async () => {
      const [source, destination] = [cluster.host("sk1"), cluster.host("sk2")];
      await createFilledGuest(source, "moving", 64, "idle");
      const checksum = await checksumOf(source, "moving");
      await waitForSynced(cluster.scheduler, ["moving"]);
      const killed = cluster.scheduler;
      const env = { XSIM_SCHEDULER: killed.address };
      const migrating = runXsimWithEnv(home, env, "migrate", "--bandwidth", BANDWIDTH, "moving", "sk2");
      await waitUntil(async () => {
        const run = await runXsim(home, "-H", source.address, "migrations");
        return /\bmoving\b.* active /.test(run.stdout);
      }, CASE_TIMEOUT_MS);
      await killed.kill9();

      const told = await migrating;
      expect(told.code, told.stderr).toBe(1);
      expect(told.stderr).toBe(
        `xsim: the scheduler ${killed.address} stopped answering during the migration of moving ` +
          "(Connection dropped): its outcome is unknown until it answers again; xsim list shows where moving runs\n",
      );

      // The hosts finish the migration on their own, either way.
      await waitUntil(async () => {
        const copies = [...(await copiesOn(source, "moving")), ...(await copiesOn(destination, "moving"))];
        return copies.length === 1 && copies[0] === "moving";
      }, CASE_TIMEOUT_MS);
      await waitForNoLeftovers(cluster.hosts, "moving");
      const holder = (await copiesOn(destination, "moving")).length === 1 ? destination : source;
      expect(await checksumOf(holder, "moving"), "the guest's memory").toBe(checksum);

      const scheduler = await cluster.startScheduler();
      await waitForHostsUp(scheduler, ["sk1", "sk2"]);
      await waitUntil(
        async () => (await listAll(scheduler)).some((d) => d.domain?.name === "moving"),
        30_000,
      );
      const listed = (await listAll(scheduler)).filter((d) => d.domain?.name === "moving");
      expect(
        listed.map((d) => d.hostId),
        "listed once, where it runs",
      ).toEqual([holder.hostId]);
      // A second guest of the name is refused once the new scheduler is the active one (the killed
      // one's leader lease runs out first).
      let refusal: ServiceError | undefined;
      await waitUntil(async () => {
        refusal = await createVia(scheduler, cfg("moving", 16)).then(
          () => undefined,
          (error: ServiceError) => error,
        );
        return refusal === undefined || !/standby/.test(refusal.details);
      }, CASE_TIMEOUT_MS);
      expect(refusal?.code, refusal?.details ?? "created a second guest of the name").toBe(
        status.ALREADY_EXISTS,
      );
      expect(refusal?.details).toMatch(/"moving"/);
    },
    CASE_TIMEOUT_MS,
  );
});
