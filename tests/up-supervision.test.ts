import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./support/ports.js";
import { waitUntil } from "./support/migration-cluster.js";
import { runXsim } from "./support/xsim-cli.js";
import { isAlive } from "../services/cli/launcher.js";
import type { ClusterState } from "../services/cli/cluster-state.js";

const HOST_MEMORY_MIB = 2048;
/** The supervisor's first restart delay is 250 ms; the scheduler's start and reconcile take seconds on a loaded machine. */
const BACK_DEADLINE_MS = 60_000;

/** The pids of the scheduler processes that printed their ready line, oldest first. */
function schedulerPids(home: string): number[] {
  const log = readFileSync(join(home, "logs", "scheduler.log"), "utf8");
  return log
    .split("\n")
    .filter((line) => line.startsWith('{"ready":true'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

/** Killed but not yet reaped by its (stopped) parent: /proc says Z. */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * `xsim up` runs the scheduler under a supervisor on a fixed port (issue 9 item 3): killed, it
 * comes back where cluster.json says, takes its leader lease back, and reconciles what happened
 * while it was away.
 */
describe("xsim up supervises the scheduler", () => {
  const home = mkdtempSync(join(tmpdir(), "xsim-up-supervise-"));
  const xsim = (...args: string[]) => runXsim(home, ...args);
  let state: ClusterState;

  beforeAll(async () => {
    const natsPort = await freePort();
    const up = await xsim(
      "up",
      "--hosts",
      "2",
      "--nats-port",
      String(natsPort),
      "--memory-mib",
      String(HOST_MEMORY_MIB),
    );
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/^started the scheduler at 127\.0\.0\.1:\d+ \(restarted if it fails\)$/m);
    state = JSON.parse(readFileSync(join(home, "cluster.json"), "utf8")) as ClusterState;
  });

  afterAll(async () => {
    await xsim("down");
    rmSync(home, { recursive: true, force: true });
  });

  it("restarts a scheduler killed with SIGKILL on the same address; it reconciles what changed meanwhile", async () => {
    const config = join(home, "db.cfg");
    writeFileSync(config, 'name = "db"\nkernel = "/boot/vmlinuz"\nmemory = 16\nxsim_ha = "restart"\n');
    // Right after `xsim up` two refusals are transient: the scheduler has heard no heartbeat yet
    // ("no hosts"), or a host has not read the cluster's HA setting yet (UNAVAILABLE for a protected
    // guest, docs/specs/ha.md §4). Retry those until the guest is taken.
    const transient = (stderr: string) => /UNAVAILABLE|no hosts/.test(stderr);
    let created = await xsim("create", config);
    await waitUntil(async () => {
      if (created.code !== 0 && transient(created.stderr)) created = await xsim("create", config);
      return created.code === 0 || !transient(created.stderr);
    }, BACK_DEADLINE_MS);
    expect(created.code, created.stderr).toBe(0);
    const [first] = schedulerPids(home);
    expect(first).toBeDefined();
    const where = (await xsim("-H", "host1", "domid", "db")).code === 0 ? "host1" : "host2";

    // The supervisor is held (SIGSTOP) while its scheduler is killed and the guest destroyed, so
    // the destroy falls while no scheduler runs however slow the machine (its restart in 250 ms
    // otherwise raced the CLI's destroy under load and heard the "destroyed" event itself).
    const supervisor = state.schedulerPid ?? 0;
    process.kill(supervisor, "SIGSTOP");
    try {
      process.kill(first ?? 0, "SIGKILL");
      await waitUntil(() => !isAlive(first ?? 0) || isZombie(first ?? 0), 10_000);
      // While no scheduler runs: the HA guest is destroyed on its host (the scheduler misses the event).
      const destroyed = await xsim("-H", where, "destroy", "db");
      expect(destroyed.code, destroyed.stderr).toBe(0);
    } finally {
      process.kill(supervisor, "SIGCONT");
    }
    await waitUntil(() => !isAlive(first ?? 0), 10_000);

    await waitUntil(() => schedulerPids(home).length === 2, BACK_DEADLINE_MS);
    const second = schedulerPids(home)[1] ?? 0;
    expect(second).not.toBe(first);
    expect(isAlive(state.schedulerPid ?? 0), "the supervisor stays").toBe(true);
    const log = () => readFileSync(join(home, "logs", "scheduler.log"), "utf8");
    expect(log()).toMatch(
      new RegExp(`supervisor\\(scheduler\\): scheduler \\(pid ${first}\\) killed by SIGKILL`),
    );
    // Same address: the CLI, reading cluster.json, reaches the new scheduler.
    await waitUntil(async () => (await xsim("host-list")).code === 0, BACK_DEADLINE_MS);
    await waitUntil(() => /reconcile: dropped the HA record of db/.test(log()), BACK_DEADLINE_MS);
    // The destroyed guest stays destroyed; a new one of that name can be created, once.
    const again = await xsim("create", config);
    expect(again.code, again.stderr).toBe(0);
    const listed = await Promise.all(["host1", "host2"].map((h) => xsim("-H", h, "list")));
    expect(listed.map((l) => l.stdout.split("\n").filter((line) => line.startsWith("db ")).length)).toSatisfy(
      (counts: number[]) => counts.reduce((a, b) => a + b, 0) === 1,
    );
  });

  it("xsim down stops the supervisor and the scheduler with it", async () => {
    const pids = [state.schedulerPid ?? 0, ...schedulerPids(home)];
    const down = await xsim("down");
    expect(down.code, down.stderr).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });
});
