import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runXsimWithEnv, type XsimRun } from "./support/xsim-cli.js";
import { waitUntil, type TestHost } from "./support/migration-cluster.js";
import {
  cfg,
  createVia,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForHostsUp,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";

/** Two hosts of 8 pCPUs; only c1 has the cpupool "fast" at first. */
const HOSTS = [
  { hostId: "c1", listenHost: "127.0.3.1", memoryMib: 1024, dom0MemoryMib: 256, pcpus: 8 },
  { hostId: "c2", listenHost: "127.0.3.2", memoryMib: 1024, dom0MemoryMib: 256, pcpus: 8 },
];
/** Generous: the machine is shared; outcomes are asserted, never the time they took. */
const DEADLINE_MS = 60_000;

let cluster: SchedulerCluster;
let home: string;

const xsim = (...args: string[]): Promise<XsimRun> =>
  runXsimWithEnv(home, { XSIM_SCHEDULER: cluster.scheduler.address }, ...args);
const on = (host: TestHost, ...args: string[]) => xsim("-H", host.address, ...args);

async function ok(run: Promise<XsimRun>): Promise<string> {
  const result = await run;
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Pool "fast" of `cpus` carved out of Pool-0 with the CLI, as a user does it. */
async function makeFastPool(host: TestHost, cpus: string[]): Promise<string> {
  await ok(on(host, "cpupool-cpu-remove", "Pool-0", cpus.join(",")));
  const list = `[${cpus.map((c) => `"${c}"`).join(",")}]`;
  return ok(on(host, "cpupool-create", 'name="fast"', 'sched="credit"', `cpus=${list}`));
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-cpupool-"));
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
  await waitForHostsUp(cluster.scheduler, ["c1", "c2"]);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe("CPU pools on real hosts, placement and migration by pool", () => {
  it("creates a pool from Pool-0's CPUs, lists it as xl does, places pool= guests only there", async () => {
    const [c1, c2] = [cluster.host("c1"), cluster.host("c2")];
    expect(await makeFastPool(c1, ["6", "7"])).toBe(
      'Using config file "command line"\ncpupool name:   fast\nscheduler:      credit\nnumber of cpus: 2\n',
    );
    expect(await ok(on(c1, "cpupool-list"))).toBe(
      "Name               CPUs   Sched     Active   Domain count\n" +
        "Pool-0               6   credit2       y          1\n" +
        "fast                 2    credit       y          0\n",
    );
    expect(await ok(on(c1, "cpupool-list", "-c", "fast"))).toBe(
      "Name               CPU list\nfast               6,7\n",
    );
    // A pCPU belongs to one pool: 6 is fast's now.
    const taken = await on(c1, "cpupool-cpu-add", "Pool-0", "6");
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("cpu 6 is not free: it is in cpupool fast");

    // The scheduler learns c1's pools from its heartbeats; until then it has nowhere to put "web".
    await waitUntil(
      async () =>
        createVia(cluster.scheduler, cfg("web", 64, { pool: "fast" })).then(
          () => true,
          () => false,
        ),
      DEADLINE_MS,
    );
    const listed = await ok(on(c1, "list", "-c", "web"));
    expect(listed.split("\n")[1]).toMatch(/^web +\d+ +64 +1 +\S{6} +\d+\.\d +fast$/);
    const vcpus = await ok(on(c1, "vcpu-list", "web"));
    expect(vcpus.split("\n")[1]).toMatch(/^web +\d+ +0 +[67] /);
    expect((await ok(on(c2, "list"))).split("\n").filter((l) => l.startsWith("web"))).toEqual([]);

    const refused = await on(c1, "cpupool-destroy", "fast");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Can't destroy cpupool 'fast': it has 1 domain(s) (web)");
    const last = await on(c1, "cpupool-cpu-remove", "fast", "6,7");
    expect(last.code).toBe(1);
    expect(last.stderr).toContain("would leave the 1 domain(s) of cpupool fast no CPU");
  });

  it("refuses an unknown pool= at create naming the file and key, creating nothing", async () => {
    const c1 = cluster.host("c1");
    const dir = mkdtempSync(join(home, "cfg-"));
    const file = join(dir, "gold.cfg");
    writeFileSync(file, cfg("goldguest", 64, { pool: "gold" }));
    const run = await on(c1, "create", file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Illegal pool specified: ${file}: pool = "gold": host c1 has no cpupool of that name`,
    );
    expect(await ok(on(c1, "list"))).not.toContain("goldguest");
  });

  it("migrates a pool's guest only to a host with a pool of that name, then the empty pool goes", async () => {
    const [c1, c2] = [cluster.host("c1"), cluster.host("c2")];
    const refused = await xsim("migrate", "web", "c2");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('c2 has no cpupool "fast"');
    expect(await ok(on(c1, "list", "web"))).toContain("web");

    await makeFastPool(c2, ["7"]);
    await waitUntil(async () => {
      const run = await xsim("migrate", "web", "c2");
      return run.code === 0;
    }, DEADLINE_MS);
    const listed = await ok(on(c2, "list", "-c", "web"));
    expect(listed.split("\n")[1]).toMatch(/ fast$/);
    expect(await ok(on(c2, "vcpu-list", "web"))).toMatch(/\n(web +\d+ +0 +7 )/);

    await ok(on(c1, "cpupool-destroy", "fast"));
    expect(await ok(on(c1, "info"))).toMatch(/\nfree_cpus +: 2\n/);
    expect(await ok(on(c1, "cpupool-list"))).toBe(
      "Name               CPUs   Sched     Active   Domain count\nPool-0               6   credit2       y          1\n",
    );
    await ok(on(c1, "cpupool-cpu-add", "Pool-0", "6-7"));
    expect(await ok(on(c1, "cpupool-list", "-c"))).toBe(
      "Name               CPU list\nPool-0             0,1,2,3,4,5,6,7\n",
    );
  });
});
