import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { runXsim } from "./support/xsim-cli.js";
import {
  hostAt,
  startMigration,
  startTestCluster,
  waitUntil,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";

const XVDB_DEVID = 51728; // docs/misc/vbd-interface.txt: 202 << 8 | 1 << 4
const XENBUS_CONNECTED = 4;
/** Generous: the machine is shared; the outcome is asserted, never the time it took. */
const COUNTERS_DEADLINE_MS = 60_000;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;
let home: string;

const xsim = (host: TestHost, ...args: string[]) => runXsim(home, "-H", host.address, ...args);

async function create(host: TestHost, name: string, lines: string[]): Promise<void> {
  const text = [`name = "${name}"`, 'kernel = "/k"', "memory = 64", ...lines].join("\n");
  const c = host.process.client;
  await unaryCall(c.create.bind(c), {
    configText: `${text}\n`,
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
}

async function blockRows(host: TestHost, domain: string) {
  const c = host.process.client;
  return (await unaryCall(c.blockList.bind(c), { domain })).devices;
}

async function xenstoreHas(host: TestHost, path: string): Promise<boolean> {
  const c = host.process.client;
  const entries = (await unaryCall(c.xenstoreList.bind(c), { path: "/local/domain/0/backend" })).entries;
  return Object.keys(entries).some((key) => `/local/domain/0/backend/${key}`.startsWith(path));
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-hotplug-"));
  cluster = await startTestCluster("dv", 2, 91);
  [a, b] = [hostAt(cluster, 0), hostAt(cluster, 1)];
  await create(a, "web", [
    "vif = [ 'mac=00:16:3e:00:00:01' ]",
    'xsim_io = "disk:write=200iops"',
    "disk = [ '/dev/vg/root,,xvda,rw' ]",
  ]);
  await create(a, "hvm", ['type = "hvm"', "disk = [ ',raw,hdc,ro,devtype=cdrom' ]"]);
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("device hot-plug through xsim on real host processes", () => {
  it("network-attach shows in network-list and XenStore; network-detach by MAC removes both", async () => {
    const attach = await xsim(a, "network-attach", "web", "mac=00:16:3e:00:00:02", "bridge=xenbr1");
    expect(attach.code, attach.stderr).toBe(0);
    const listed = await xsim(a, "network-list", "--xl", "web");
    const rows = listed.stdout.trim().split("\n").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/^1 {3}0 {2}00:16:3e:00:00:02 {5}1 {5}4 /);
    expect(await xenstoreHas(a, "/local/domain/0/backend/vif/1/1")).toBe(true);

    const detach = await xsim(a, "network-detach", "web", "00:16:3e:00:00:02");
    expect([detach.code, detach.stderr]).toEqual([0, ""]);
    const after = await xsim(a, "network-list", "--xl", "web");
    expect(after.stdout.trim().split("\n").slice(1)).toHaveLength(1);
    expect(await xenstoreHas(a, "/local/domain/0/backend/vif/1/1")).toBe(false);
  });

  it("refuses what xl refuses, with a clear error, and changes nothing", async () => {
    const before = await xsim(a, "block-list", "--xl", "web");
    const unknown = await xsim(a, "network-detach", "web", "9");
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, "xsim: Unknown device 9 on domain web"]);
    const missing = await xsim(a, "block-detach", "web", "xvdz");
    expect(missing.stderr).toMatch(/Device xvdz not connected/);
    const duplicate = await xsim(a, "block-attach", "web", "/dev/vg/other,,xvda");
    expect(duplicate.stderr).toMatch(/already has a disk at vdev xvda/);
    const pv = await xsim(a, "cd-insert", "web", "xvda", "/iso/a.iso");
    expect(pv.stderr).toMatch(/requires an HVM domain/);
    const badSpec = await xsim(a, "block-attach", "web", "/dev/vg/x");
    expect(badSpec.code).toBe(1);
    expect((await xsim(a, "block-list", "--xl", "web")).stdout).toBe(before.stdout);
  });

  it("cd-insert and cd-eject change an HVM guest's medium", async () => {
    expect((await xsim(a, "cd-insert", "hvm", "hdc", "/iso/debian.iso")).code).toBe(0);
    const c = a.process.client;
    const be = await unaryCall(c.xenstoreList.bind(c), { path: "/local/domain/0/backend/vbd/2/5632" });
    expect(be.entries["params"]).toBe("/iso/debian.iso");
    expect((await xsim(a, "cd-eject", "hvm", "hdc")).code).toBe(0);
    const ejected = await unaryCall(c.xenstoreList.bind(c), { path: "/local/domain/0/backend/vbd/2/5632" });
    expect(ejected.entries["params"]).toBe("");
  });

  it("a hot-attached disk carries I/O and is still there, connected, after a live migration", async () => {
    const attach = await xsim(a, "block-attach", "web", "format=raw,vdev=xvdb,access=rw,target=/dev/vg/data");
    expect(attach.code, attach.stderr).toBe(0);
    await waitUntil(
      async () => ((await blockRows(a, "web")).find((d) => d.vdev === XVDB_DEVID)?.write?.requests ?? 0) > 0,
      COUNTERS_DEADLINE_MS,
    );
    const run = startMigration(a, { domain: "web", destination: b.address });
    await run.done;
    let moved = await blockRows(b, "web");
    await waitUntil(async () => {
      moved = await blockRows(b, "web");
      return (moved.find((d) => d.vdev === XVDB_DEVID)?.write?.requests ?? 0) > 0;
    }, COUNTERS_DEADLINE_MS);
    expect(moved.map((d) => [d.dev, d.state])).toEqual([
      ["xvda", XENBUS_CONNECTED],
      ["xvdb", XENBUS_CONNECTED],
    ]);
    const listed = await xsim(b, "block-list", "--xl", "web");
    expect(listed.stdout).toMatch(new RegExp(`^${XVDB_DEVID} +0 +\\d+ +4 `, "m"));
  });
});
