import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copiesOn, createFilledGuest, waitUntil, type TestHost } from "./support/migration-cluster.js";
import {
  hostList,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForSynced,
  type SchedulerCluster,
  type SchedulerHostOptions,
} from "./support/scheduler-cluster.js";
import { runXsimWithEnv, writeGuestConfig, type XsimRun } from "./support/xsim-cli.js";
import { freePort } from "./support/ports.js";

/**
 * A host killed (SIGKILL) and started again with the same host id and address, HA off, the
 * scheduler running, as a Xen host that reboots: its guests are gone. What the user sees while it
 * is down and once it is back, and which names can be taken again: an unprotected guest's at once
 * (the reconcile frees it once it has listed the host back), a protected one's only through HA
 * (docs/specs/ha.md §4 rule 1), and each refusal says why, not only "exists on rs1".
 */
const HOST_MEMORY_MIB = 2048;
const DOM0_MEMORY_MIB = 256;
/** The reconcile runs every 5 s; a loaded machine adds seconds to the List that frees a name. */
const NAME_FREED_TIMEOUT_MS = 30_000;
const STATE_TIMEOUT_MS = 15_000;

let cluster: SchedulerCluster;
let home: string;
let restarted: Options;
type Options = SchedulerHostOptions & { listenPort: number };

beforeAll(async () => {
  restarted = {
    hostId: "rs1",
    listenHost: "127.0.16.1",
    listenPort: await freePort("127.0.16.1"),
    memoryMib: HOST_MEMORY_MIB,
    dom0MemoryMib: DOM0_MEMORY_MIB,
  };
  const other = {
    hostId: "rs2",
    listenHost: "127.0.16.2",
    memoryMib: HOST_MEMORY_MIB,
    dom0MemoryMib: DOM0_MEMORY_MIB,
  };
  cluster = await startSchedulerCluster([restarted, other], RELAXED_HEARTBEAT_MS);
  home = mkdtempSync(join(tmpdir(), "xsim-host-restart-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

function xsim(...args: string[]): Promise<XsimRun> {
  return runXsimWithEnv(home, { XSIM_SCHEDULER: cluster.scheduler.address }, ...args);
}

/** The rows of `xsim list` (or `list -c`) naming `name`, whatever host. */
function rowsOf(run: XsimRun, name: string): string[] {
  return run.stdout.split("\n").filter((line) => line.split(/\s+/)[0] === name);
}

/** The host's newest process (cluster.host finds the first, killed since). */
function latest(hostId: string): TestHost {
  const host = cluster.hosts.filter((h) => h.hostId === hostId).at(-1);
  if (!host) throw new Error(`no host ${hostId}`);
  return host;
}

async function hostState(hostId: string): Promise<string | undefined> {
  return (await hostList(cluster.scheduler)).find((h) => h.hostId === hostId)?.state;
}

describe("a host killed and started again with the same id and address (HA off)", () => {
  it("is noted while down, lists none of its lost guests once back, and frees an unprotected guest's name", async () => {
    let rs1: TestHost = cluster.host("rs1");
    await createFilledGuest(rs1, "web", 64);
    const db = await xsim("-H", rs1.address, "create", writeGuestConfig(home, "db", ['xsim_ha = "restart"']));
    expect(db.code, db.stderr).toBe(0);
    await waitForSynced(cluster.scheduler, ["web", "db"]);

    await rs1.process.kill9();
    await waitUntil(async () => (await hostState("rs1")) === "down", STATE_TIMEOUT_MS);
    const note = /^xsim: not listed: the domains of host rs1, which the scheduler cannot reach/m;
    for (const args of [["list"], ["list", "-c"]]) {
      const listed = await xsim(...args);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr, `xsim ${args.join(" ")} while rs1 is down`).toMatch(note);
      expect(rowsOf(listed, "web")).toEqual([]);
    }
    const whileDown = await xsim("create", writeGuestConfig(home, "web", []));
    expect(whileDown.code).toBe(1);
    expect(whileDown.stderr).toMatch(
      /already exists in the cluster \(uuid \S+ on rs1\): rs1 is down, and web may still run there; if rs1 is gone for good, xsim host-declare-dead rs1 halts its guests and frees their names/,
    );

    rs1 = await cluster.addHost(restarted);
    expect(rs1.address).toBe(`${restarted.listenHost}:${restarted.listenPort}`);
    await waitUntil(async () => (await hostState("rs1")) === "up", STATE_TIMEOUT_MS);
    // Its heartbeats count only Domain-0: placement counts no memory of the lost guests.
    await waitUntil(async () => {
      const row = (await hostList(cluster.scheduler)).find((h) => h.hostId === "rs1");
      return row?.domainCount === 1 && row.memoryFreeKib === (HOST_MEMORY_MIB - DOM0_MEMORY_MIB) * 1024;
    }, STATE_TIMEOUT_MS);
    await waitUntil(async () => {
      const listed = await xsim("list");
      return listed.stderr === "" && rowsOf(listed, "web").length + rowsOf(listed, "db").length === 0;
    }, STATE_TIMEOUT_MS);

    // The unprotected guest's name is free again once the scheduler has listed rs1 back.
    let created = await xsim("create", writeGuestConfig(home, "web", []));
    await waitUntil(async () => {
      if (created.code !== 0) created = await xsim("create", writeGuestConfig(home, "web", []));
      return created.code === 0 || !/already exists in the cluster/.test(created.stderr);
    }, NAME_FREED_TIMEOUT_MS);
    expect(created.code, created.stderr).toBe(0);
    expect(rowsOf(await xsim("list"), "web"), "one web, the new one").toHaveLength(1);
    const second = await xsim("create", writeGuestConfig(home, "web", []));
    expect(second.code, "a second web is refused").toBe(1);
    expect(second.stderr).toMatch(/a domain named "web" already exists/);

    // The protected guest keeps its name for its HA restart (ha.md §4 rule 1); the user is told so.
    const protectedName = await xsim("create", writeGuestConfig(home, "db", []));
    expect(protectedName.code).toBe(1);
    expect(protectedName.stderr).toMatch(
      /a domain named "db" already exists in the cluster \(uuid \S+ on rs1\): rs1 runs no such guest: the HA-protected db was lost when rs1 restarted or fenced, and keeps its name for its HA restart while HA is off: xsim ha-enable restarts it, then xsim destroy db ends it if it is not wanted; or xsim vm-reset-powerstate db --force marks it halted and frees the name\n/,
    );

    // xsim vm-reset-powerstate (ha.md §8): refused without --force, saying why; with it, db is
    // halted (rs1 came back under a new lease epoch without it) and a create of db works again.
    const unforced = await xsim("vm-reset-powerstate", "db");
    expect(unforced.code).toBe(1);
    expect(unforced.stderr).toMatch(
      /cannot reset the power state of db: vm-reset-powerstate needs --force: .*nothing was changed/,
    );
    const reset = await xsim("vm-reset-powerstate", "db", "--force");
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(
      /^db: power state reset to halted \(it ran on rs1: rs1 came back under lease epoch \S+ without it \(it ran under \S+\)\); its HA record and name are free: create it again to start it\n/,
    );
    const again = await xsim("create", writeGuestConfig(home, "db", ['xsim_ha = "restart"']));
    expect(again.code, again.stderr).toBe(0);
  });

  it("started again at once (often before the scheduler sees it down): its lost guest leaves the list, its name is free again", async () => {
    const rs1 = latest("rs1");
    const listedBefore = async () => rowsOf(await xsim("list"), "app").length === 1;
    await createFilledGuest(rs1, "app", 16);
    await waitUntil(listedBefore, STATE_TIMEOUT_MS);
    await rs1.process.kill9();
    const again = await cluster.addHost(restarted);
    expect(await copiesOn(again, "app"), "a new process runs none of the old one's guests").toEqual([]);
    // A heartbeat sequence that went back tells the scheduler the host is a new process: it lists it afresh.
    await waitUntil(async () => rowsOf(await xsim("list"), "app").length === 0, STATE_TIMEOUT_MS);
    let created = await xsim("create", writeGuestConfig(home, "app", []));
    await waitUntil(async () => {
      if (created.code !== 0) created = await xsim("create", writeGuestConfig(home, "app", []));
      return created.code === 0 || !/already exists in the cluster/.test(created.stderr);
    }, NAME_FREED_TIMEOUT_MS);
    expect(created.code, created.stderr).toBe(0);
    expect(rowsOf(await xsim("list"), "app")).toHaveLength(1);
  });
});
