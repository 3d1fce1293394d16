import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import {
  hostList,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForHostsUp,
  waitForSynced,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";
import { runXsimWithEnv } from "./support/xsim-cli.js";

/**
 * The scheduler killed (SIGKILL) during `xsim host-evacuate` while the migrations it started are
 * still running, then started again (as `xsim up`'s supervisor does). The user is told the
 * outcome is unknown; the hosts finish the migrations under way, the new scheduler resumes the
 * evacuation from the state store (its first tries refused while those migrations run) and ends
 * it: every guest on exactly one other host with its memory, the host empty and disabled. Unlike
 * tests/scheduler-evacuate (killed after a migration completed), the resume meets migrations the
 * old scheduler started.
 */
const GUESTS = ["ev1", "ev2", "ev3", "ev4"];
const GUEST_MEMORY_MIB = 16;
/** 16 MiB at 2 MB/s: some 8 s per migration, so the new scheduler meets the first two running. */
const SLOW_BANDWIDTH = "2MB/s";
const CASE_TIMEOUT_MS = 120_000;
const EVACUATED_TIMEOUT_MS = 90_000;

let cluster: SchedulerCluster;
let home: string;

beforeAll(async () => {
  const hosts = ["re1", "re2", "re3"].map((hostId, i) => ({
    hostId,
    listenHost: `127.0.17.${i + 1}`,
    memoryMib: 2048,
    dom0MemoryMib: 256,
  }));
  cluster = await startSchedulerCluster(hosts, RELAXED_HEARTBEAT_MS);
  home = mkdtempSync(join(tmpdir(), "xsim-scheduler-restart-evacuate-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function copiesEverywhere(name: string): Promise<Map<TestHost, string[]>> {
  const copies = new Map<TestHost, string[]>();
  for (const host of cluster.hosts) copies.set(host, await copiesOn(host, name));
  return copies;
}

describe("the scheduler killed and started again during host-evacuate", () => {
  it(
    "the user is told the outcome is unknown; the new scheduler finishes the evacuation, each guest once with its memory",
    async () => {
      const source = cluster.host("re1");
      const sums = new Map<string, string>();
      for (const name of GUESTS) sums.set(name, await createFilledGuest(source, name, GUEST_MEMORY_MIB));
      await waitForSynced(cluster.scheduler, GUESTS);
      const killed = cluster.scheduler;
      const env = { XSIM_SCHEDULER: killed.address };
      const evacuating = runXsimWithEnv(
        home,
        env,
        ...["host-evacuate", "--parallel", "2", "--bandwidth", SLOW_BANDWIDTH, "re1"],
      );
      // Killed once a migration it started is under way (a copy arrived on another host).
      await waitUntil(async () => {
        for (const name of GUESTS)
          for (const [host, copies] of await copiesEverywhere(name))
            if (host !== source && copies.length > 0) return true;
        return false;
      }, CASE_TIMEOUT_MS);
      await killed.kill9();
      const told = await evacuating;
      expect(told.code, told.stdout).toBe(1);
      expect(told.stderr).toBe(
        `xsim: the scheduler ${killed.address} stopped answering during host-evacuate re1 (Connection dropped): ` +
          "the migrations it had started may have completed or not; xsim list shows where the guests run\n",
      );

      const scheduler = await cluster.startScheduler();
      await waitForHostsUp(scheduler, ["re2", "re3"]);
      const xsim = (...args: string[]) =>
        runXsimWithEnv(home, { XSIM_SCHEDULER: scheduler.address }, ...args);
      await waitUntil(async () => {
        const re1 = (await hostList(scheduler)).find((h) => h.hostId === "re1");
        return re1?.state === "disabled" && re1.domainCount === 1 && re1.migrationsInFlight === 0;
      }, EVACUATED_TIMEOUT_MS);
      expect(scheduler.log()).toContain("resuming the evacuation of re1");
      for (const [name, sum] of sums) {
        const holders = [...(await copiesEverywhere(name))].filter(([, copies]) => copies.length > 0);
        expect(
          holders.map(([host, copies]) => `${host.hostId}: ${copies.join(",")}`),
          `${name}: once, under its own name, off re1`,
        ).toSatisfy((rows: string[]) => rows.length === 1 && /^re[23]: ev\d$/.test(rows[0] ?? ""));
        expect(await checksumOf(holders[0]![0], name), `memory of ${name}`).toBe(sum);
      }
      await waitUntil(async () => {
        const rows = (await xsim("list")).stdout.split("\n").filter((line) => /^ev\d /.test(line));
        return rows.length === GUESTS.length && rows.every((row) => / re[23]$/.test(row));
      }, EVACUATED_TIMEOUT_MS);
      const again = await xsim("host-evacuate", "re1");
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/re1 is empty and disabled/);
    },
    CASE_TIMEOUT_MS,
  );
});
