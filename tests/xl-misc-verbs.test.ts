import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxh64 } from "@node-rs/xxhash";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { startHostProcess, type HostProcess } from "./support/host-process.js";
import { runXsim } from "./support/xsim-cli.js";
import { waitUntil } from "./support/migration-cluster.js";

/** docs/specs/dump-core.md: the page data starts after a 64-byte header. */
const CORE_HEADER_BYTE_COUNT = 64;
const DEADLINE_MS = 30_000;

let home: string;
let stateDir: string;
let host: HostProcess;

const xsim = (...args: string[]) => runXsim(home, "-H", host.address, ...args);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-misc-"));
  stateDir = mkdtempSync(join(tmpdir(), "xsim-misc-state-"));
  host = await startHostProcess({
    hostId: "misc1",
    listenHost: "127.0.1.97",
    memoryMib: 2048,
    extraArgs: ["--state-dir", stateDir],
  });
  const c = host.client;
  const text = 'name = "web"\nkernel = "/k"\nmemory = 16\nxsim_workload = "uniform:rate=2000"\n';
  await unaryCall(c.create.bind(c), {
    configText: text,
    configFileName: "web.cfg",
    configJson: "",
    overrides: [],
    paused: false,
  });
});

afterAll(async () => {
  await host?.stop();
  for (const dir of [home, stateDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("xl's misc verbs against a real host process", () => {
  it("uptime, vm-list and the verb abbreviations print xl's formats", async () => {
    const uptime = await xsim("upt");
    expect(uptime.code, uptime.stderr).toBe(0);
    const lines = uptime.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`${"Name".padEnd(33)}   ID Uptime`);
    expect(lines[1]).toMatch(/^Domain-0 {29}0 [ \d]\d:\d\d:\d\d$/);
    expect(lines[2]).toMatch(/^web {34}1 [ \d]\d:\d\d:\d\d$/);
    const short = await xsim("uptime", "-s", "web");
    expect(short.stdout).toMatch(/^ \d\d:\d\d:\d\d up [ \d]\d:\d\d, web \(1\)\n$/);
    const vms = await xsim("vm-l");
    expect(vms.stdout.replace(/\n$/, "").split("\n")).toEqual([
      "UUID                                  ID    name",
      expect.stringMatching(/^[0-9a-f-]{36} {2}1 {4}web {27}$/),
    ]);
    const ambiguous = await xsim("mem", "web", "8");
    expect([ambiguous.code, ambiguous.stderr.trim()]).toEqual([
      1,
      'xsim: "mem" is ambiguous: mem-set, mem-max',
    ]);
  });

  it("dmesg shows the build and -c clears the ring; console shows the guest's boot lines", async () => {
    const dmesg = await xsim("dmesg", "-c");
    expect(dmesg.stdout).toMatch(/^\(XEN\) \[ *\d+\.\d{6}\] host misc1: /);
    expect(dmesg.stdout).toMatch(/d1 \(web\): domain built, 16 MiB, 1 vCPUs/);
    expect((await xsim("dmesg")).stdout).toBe("");
    const console = await xsim("console", "web");
    expect(console.code, console.stderr).toBe(0);
    expect(console.stdout).toMatch(/xsim-guest: kernel started: pv domain 1, 1 vCPUs, 16 MiB/);
    expect(console.stdout).toMatch(/xsim-workload: uniform:rate=2000/);
  });

  it("suspend leaves the domain ---ss-, resume runs it again; resume of a running domain is refused", async () => {
    expect((await xsim("suspend", "web")).code).toBe(0);
    expect((await xsim("list", "web")).stdout).toMatch(/^web +1 +16 +1 +---ss- /m);
    expect((await xsim("resume", "web")).code).toBe(0);
    await waitUntil(
      async () => /^web +1 +16 +1 +[rb-]{2}---- /m.test((await xsim("list", "web")).stdout),
      DEADLINE_MS,
    );
    const again = await xsim("resume", "web");
    expect([again.code, again.stderr.trim()]).toEqual([
      1,
      "xsim: domain web is not suspended (see xl suspend)",
    ]);
  });

  it("dump-core writes the guest's pages: the page data's xxh64 is the guest's checksum at that instant", async () => {
    const c = host.client;
    await unaryCall(c.pause.bind(c), { domain: "web" });
    const checksum = (await unaryCall(c.memoryChecksum.bind(c), { domain: "web" })).checksum;
    const dumped = await xsim("dump-core", "web", "web.core");
    expect(dumped.code, dumped.stderr).toBe(0);
    const file = readFileSync(join(stateDir, "web.core"));
    expect(file.subarray(0, 8).toString("latin1")).toBe("XSIMCORE");
    expect(xxh64(file.subarray(CORE_HEADER_BYTE_COUNT)).toString(16).padStart(16, "0")).toBe(checksum);
    const outside = await xsim("dump-core", "web", "/etc/web.core");
    expect([outside.code, outside.stderr]).toEqual([
      1,
      expect.stringMatching(/outside this host's state directory/),
    ]);
  });
});
