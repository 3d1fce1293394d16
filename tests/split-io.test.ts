import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { startHostProcess, type HostProcess } from "./support/host-process.js";
import { runXsim } from "./support/xsim-cli.js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import type { BlockListReply, NetworkListReply } from "../services/gen/xensim/v1/host.js";

const IO = "net:tx=20MB/s,rx=5MB/s;disk:read=200iops,write=100iops,size=4K";
/**
 * The counters are polled until they show the outcomes asserted below; how many requests a real
 * second holds is timing, pinned under a simulated clock in services/dom0/io/split-io.test.ts.
 */
const COUNTERS_DEADLINE_MS = 60_000;
const POLL_MS = 100;
const NET_REQUEST_COUNT_MIN = 100;

let home: string;
let host: HostProcess;

function config(name: string, lines: string[]): string {
  return [
    `name = "${name}"`,
    'kernel = "/boot/vmlinuz"',
    "memory = 64",
    "vif = [ 'mac=00:16:3e:00:00:0a' ]",
    "disk = [ '/dev/vg/guest,raw,xvda,rw' ]",
    `xsim_io = "${IO}"`,
    ...lines,
  ].join("\n");
}

function create(text: string): Promise<unknown> {
  const request = {
    configText: `${text}\n`,
    configFileName: "io.cfg",
    overrides: [],
    paused: false,
    configJson: "",
  };
  return unaryCall(host.client.create.bind(host.client), request);
}

const networkList = (domain: string): Promise<NetworkListReply> =>
  unaryCall(host.client.networkList.bind(host.client), { domain });
const blockList = (domain: string): Promise<BlockListReply> =>
  unaryCall(host.client.blockList.bind(host.client), { domain });

/** Runs `node bin/xsim.js -H <host> ...args` as a user would. */
const xsim = (...args: string[]) => runXsim(home, "-H", host.address, ...args);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-split-io-"));
  host = await startHostProcess({ hostId: "io1", listenHost: "127.0.1.1", memoryMib: 2048, pcpus: 4 });
  await create(config("pv", []));
  await create(config("hvm", ['type = "hvm"']));
  await waitForCounters();
});

/** Until both vifs passed NET_REQUEST_COUNT_MIN requests and both vbds saw a request. */
async function waitForCounters(): Promise<void> {
  const deadline = Date.now() + COUNTERS_DEADLINE_MS;
  while (Date.now() < deadline) {
    const [pvNet, hvmNet, pvBlock, hvmBlock] = await Promise.all([
      networkList("pv"),
      networkList("hvm"),
      blockList("pv"),
      blockList("hvm"),
    ]);
    const netDone = [pvNet, hvmNet].every((n) => (n.devices[0]?.tx?.requests ?? 0) > NET_REQUEST_COUNT_MIN);
    const pvDone =
      (pvBlock.devices[0]?.read?.requests ?? 0) > 0 && (pvBlock.devices[0]?.write?.requests ?? 0) > 0;
    const hvmDone = (hvmBlock.devices[0]?.write?.requests ?? 0) > 0;
    if (netDone && pvDone && hvmDone && (pvNet.devices[0]?.rx?.requests ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

afterAll(async () => {
  await host?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("split-driver I/O on a real host service", () => {
  it("reports each vif's and vbd's counters over gRPC, PV through rings and HVM through QEMU", async () => {
    const [pvNet, hvmNet, pvBlock, hvmBlock] = await Promise.all([
      networkList("pv"),
      networkList("hvm"),
      blockList("pv"),
      blockList("hvm"),
    ]);
    const pvNic = pvNet.devices[0]!;
    expect([pvNic.mode, pvNic.state, pvNic.mac]).toEqual(["pv", 4, "00:16:3e:00:00:0a"]);
    expect(pvNic.txRingRef).toBeGreaterThanOrEqual(8);
    expect(pvNic.tx!.requests).toBeGreaterThan(NET_REQUEST_COUNT_MIN);
    expect(pvNic.tx!.bytes).toBe(pvNic.tx!.requests * 1500);
    expect(pvNic.txRing!.slotCount).toBe(256);
    const hvmNic = hvmNet.devices[0]!;
    expect([hvmNic.mode, hvmNic.state, hvmNic.evtch]).toEqual(["emulated", 1, -1]);
    expect(hvmNic.tx!.requests).toBeGreaterThan(NET_REQUEST_COUNT_MIN);
    expect(hvmNic.tx!.dom0CpuNs / hvmNic.tx!.requests).toBeGreaterThan(
      (3 * pvNic.tx!.dom0CpuNs) / pvNic.tx!.requests,
    );
    expect(pvBlock.devices[0]!.read!.requests).toBeGreaterThan(0);
    expect(hvmBlock.devices[0]!.write!.requests).toBeGreaterThan(0);
    expect(pvBlock.devices[0]!.ring!.slotCount).toBe(32);
  });

  it("fills xentop's NETS/NETTX/NETRX/VBDS/VBD_RD/VBD_WR/VBD_RSECT/VBD_WSECT from the same counters", async () => {
    const top = await unaryCall(host.client.top.bind(host.client), {});
    const pv = top.domains.find((d) => d.name === "pv")!;
    expect([pv.nets, pv.vbds]).toEqual([1, 1]);
    expect(pv.vbdReadSectors).toBeGreaterThanOrEqual(pv.vbdReadRequests);
    expect(pv.vbdWriteSectors).toBeGreaterThanOrEqual(pv.vbdWriteRequests);
    expect(pv.netTxBytes).toBeGreaterThan(0);
    expect(pv.netRxBytes).toBeGreaterThan(0);
    expect(pv.vbdReadRequests).toBeGreaterThan(0);
    expect(pv.vbdWriteRequests).toBeGreaterThan(0);
    expect(top.domains.find((d) => d.name === "Domain-0")!.cpuTimeNs).toBeGreaterThan(0);
  });

  it("prints xl's network-list and block-list formats through the CLI, counters below", async () => {
    const net = await xsim("network-list", "pv");
    expect(net.code, net.stderr).toBe(0);
    const netLines = net.stdout.split("\n");
    expect(netLines[0]).toBe(
      "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       ",
    );
    expect(netLines[1]).toMatch(
      /^0 {3}0 {2}00:16:3e:00:00:0a {5}0 {5}4 +\d+ +\d+\/\d+ +\/local\/domain\/0\/backend\/vif\/\d+\/0$/,
    );
    expect(netLines[4]).toMatch(/^pv\s+0\s+pv\s+\d+/);
    const block = await xsim("block-list", "hvm", "--xl");
    expect(block.code, block.stderr).toBe(0);
    expect(block.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(block.stdout).toMatch(
      /^51712 0 {3}\d+ +1 {5}-1 {5}-1 {7}\/local\/domain\/0\/backend\/vbd\/\d+\/51712/m,
    );
  });

  it("refuses an xsim_io load the domain has no device for, and creates nothing", async () => {
    const error = await create(config("nodisk", ["disk = []"])).then(
      () => undefined,
      (e: unknown) => e as ServiceError,
    );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain("no disk");
    const list = await unaryCall(host.client.list.bind(host.client), { domains: [] });
    expect(list.domains.map((d) => d.name)).not.toContain("nodisk");
  });
});
