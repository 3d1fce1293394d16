import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./support/host-process.js";
import { freePort } from "./support/ports.js";
import type { ClusterState } from "../services/cli/cluster-state.js";
import { XL_FIXTURES } from "./support/xl-fixtures.js";

const XSIM_BIN = join(REPO_ROOT, "bin", "xsim.js");
const HOST_MEMORY_MIB = 4096;
const LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

/** The path of one of the repository's own xl.cfg fixtures (tests/fixtures/xl). */
function fixturePath(name: string): string {
  return join(XL_FIXTURES, name);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/xsim.js ...args` as a user would, with its own XSIM_HOME. */
function xsim(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [XSIM_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, XSIM_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs xsim and expects success; on failure the message shows what it printed. */
async function xsimOk(home: string, ...args: string[]): Promise<string> {
  const run = await xsim(home, ...args);
  expect(run.code, `xsim ${args.join(" ")}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run.stdout;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilDead(pids: number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

interface DryRunConfig {
  name: string;
  type: string;
  memoryMib: number;
  vcpus: number;
}

/** libxl's JSON of one domain, as `xsim create -n` prints it (`domid` null) and `list -l` an array of. */
interface LibxlEntry {
  domid: number | null;
  config: {
    c_info: { name: string; type: string; uuid?: string };
    b_info: { max_vcpus: number; avail_vcpus: number[]; max_memkb: number; target_memkb: number };
  };
}

/** The name, type, MiB and vCPUs of libxl's JSON of one domain. */
function dryRunConfig(entry: LibxlEntry): DryRunConfig {
  const { c_info, b_info } = entry.config;
  return {
    name: c_info.name,
    type: c_info.type,
    memoryMib: b_info.target_memkb / 1024,
    vcpus: b_info.avail_vcpus.length,
  };
}

/** What `xsim create -n` makes of a config file. */
async function configOf(path: string): Promise<DryRunConfig> {
  return dryRunConfig(JSON.parse(await xsimOk(newHome(), "create", "-n", path)) as LibxlEntry);
}

/** Name, ID, Mem and VCPUs of an `xsim list` row. */
function columns(line: string | undefined): string[] {
  return (line ?? "").trim().split(/\s+/).slice(0, 4);
}

const homes: string[] = [];
function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "xsim-cli-"));
  homes.push(home);
  return home;
}

afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe("xsim create -n (dry run, no host needed)", () => {
  const cases = [
    { file: "guest.hvm", name: "fixture.hvm", type: "hvm", memoryMib: 128 },
    { file: "guest.pv", name: "fixture.pv", type: "pv", memoryMib: 128 },
    { file: "guest.pvh", name: "fixture.pvh", type: "pvh", memoryMib: 512 },
  ];
  for (const expected of cases) {
    it(`prints ${expected.file} as JSON`, async () => {
      const home = newHome();
      const path = fixturePath(expected.file);
      const stdout = await xsimOk(home, "create", "-n", path);
      const entry = JSON.parse(stdout) as LibxlEntry;
      expect(entry.domid).toBeNull();
      expect(Object.keys(entry.config).slice(0, 4)).toEqual(["c_info", "b_info", "disks", "nics"]);
      const config = dryRunConfig(entry);
      expect(config).toMatchObject({
        name: expected.name,
        type: expected.type,
        memoryMib: expected.memoryMib,
      });
      expect(existsSync(join(home, "cluster.json"))).toBe(false);
    });
  }

  it("applies trailing key=value overrides as xl does", async () => {
    const stdout = await xsimOk(newHome(), "create", "-n", fixturePath("guest.pv"), "memory=256");
    expect((JSON.parse(stdout) as LibxlEntry).config.b_info).toMatchObject({
      target_memkb: 256 * 1024,
      max_memkb: 256 * 1024,
    });
  });

  it("refuses a malformed config naming file:line:column on stderr, with nothing on stdout", async () => {
    const home = newHome();
    const path = join(home, "bad.cfg");
    writeFileSync(path, 'name = "bad"\nkernel = "/k"\nmemory = "12\n');
    const run = await xsim(home, "create", "-n", path);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${path}:3:10:`);
  });
});

describe("xsim against a local cluster (xsim up / down)", () => {
  const home = newHome();
  let cluster: ClusterState | undefined;
  let downDone = false;

  beforeAll(async () => {
    const natsPort = await freePort();
    const args = ["up", "--hosts", "2", "--nats-port", String(natsPort), "--without-hvm", "host2"];
    const run = await xsim(home, ...args, "--memory-mib", String(HOST_MEMORY_MIB), "--heartbeat-ms", "500");
    if (existsSync(join(home, "cluster.json"))) {
      cluster = JSON.parse(readFileSync(join(home, "cluster.json"), "utf8")) as ClusterState;
    }
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("cluster up");
  });

  afterAll(async () => {
    if (!downDone) await xsim(home, "down");
  });

  it("creates the fixture domains on host1 and lists them as xl does", async () => {
    await xsimOk(home, "-H", "host1", "create", fixturePath("guest.pv"));
    await xsimOk(home, "-H", "host1", "create", "-p", fixturePath("guest.pvh"));
    const lines = (await xsimOk(home, "-H", "host1", "list")).trimEnd().split("\n");
    expect(lines[0]).toBe(LIST_HEADER);
    expect(lines).toHaveLength(4);
    // "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f" (tools/xl/xl_info.c)
    expect(lines[1]).toMatch(/^Domain-0 {32} {5}0 +\d+ +\d+ {5}[r-][b-]---- {2} *\d+\.\d$/);
    const pv = await configOf(fixturePath("guest.pv"));
    expect(columns(lines[2])).toEqual([pv.name, "1", String(pv.memoryMib), String(pv.vcpus)]);
    expect(lines[2]).toMatch(/ {5}[r-][b-]---- {2} *\d+\.\d$/);
    const pvh = await configOf(fixturePath("guest.pvh"));
    expect(columns(lines[3])).toEqual([pvh.name, "2", String(pvh.memoryMib), String(pvh.vcpus)]);
    expect(lines[3]).toMatch(/ {5}--p--- {2} *\d+\.\d$/);
  });

  it("prints list -l as JSON with each domain's configuration", async () => {
    const domains = JSON.parse(await xsimOk(home, "-H", "host1", "list", "-l")) as LibxlEntry[];
    expect(domains.map((d) => d.domid)).toEqual([0, 1, 2]);
    expect(domains.map((d) => d.config.c_info.name)).toEqual(["Domain-0", "fixture.pv", "fixture.pvh"]);
    expect(domains[1]?.config.b_info.target_memkb).toBe(128 * 1024);
    expect(domains[1]?.config.c_info.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("prints xl info keys with memory in MiB and the page size", async () => {
    const text = await xsimOk(home, "-H", "host1", "info");
    expect(text).toMatch(new RegExp(`^total_memory {11}: ${HOST_MEMORY_MIB}$`, "m"));
    expect(text).toMatch(/^free_memory {12}: \d+$/m);
    expect(text).toMatch(/^xen_pagesize {11}: 4096$/m);
    expect(text, "off unless xsim up --allow-fault-injection").toMatch(/^fault_injection {8}: off$/m);
    expect(await xsimOk(home, "-H", "host2", "info")).toMatch(/^virt_caps {14}: (?!.*hvm).*$/m);
  });

  it("converts between domid and domname", async () => {
    const name = (await xsimOk(home, "-H", "host1", "domname", "1")).trim();
    expect(name).not.toBe("");
    expect((await xsimOk(home, "-H", "host1", "domid", name)).trim()).toBe("1");
    expect((await xsimOk(home, "-H", "host1", "domname", "0")).trim()).toBe("Domain-0");
  });

  it("refuses an HVM guest on host2 (no HVM) with exit 1 and a message on stderr", async () => {
    const run = await xsim(home, "-H", "host2", "create", fixturePath("guest.hvm"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/HVM/);
    const lines = (await xsimOk(home, "-H", "host2", "list")).trimEnd().split("\n");
    expect(lines).toHaveLength(2); // header and Domain-0: nothing was created
  });

  it("answers an unknown domain with exit 1 and a message naming it", async () => {
    for (const args of [
      ["domid", "nosuch"],
      ["destroy", "nosuch"],
      ["domname", "999"],
    ]) {
      const run = await xsim(home, "-H", "host1", ...args);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toContain(args[1]);
      expect(run.stdout).toBe("");
    }
  });

  it("mem-set with an m suffix changes Mem in list", async () => {
    const memOf = async () => {
      const lines = (await xsimOk(home, "-H", "host1", "list", "1")).trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      return Number(columns(lines[1])[2]);
    };
    const before = await memOf();
    expect(before).toBeGreaterThan(64);
    await xsimOk(home, "-H", "host1", "mem-set", "1", "64m");
    expect(await memOf()).toBe(64);
  });

  it("mem-set and mem-max read a bare number as MiB, as xl's parse_mem_size_kb", async () => {
    const memOf = async () =>
      Number(columns((await xsimOk(home, "-H", "host1", "list", "1")).split("\n")[1])[2]);
    await xsimOk(home, "-H", "host1", "mem-max", "1", "200");
    await xsimOk(home, "-H", "host1", "mem-set", "1", "96");
    expect(await memOf()).toBe(96);
    const run = await xsim(home, "-H", "host1", "mem-set", "1", "96mb");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('invalid memory size "96mb"');
  });

  it("without -H: info covers every host, a domain verb finds the domain's host, a host verb asks for -H", async () => {
    const infos = JSON.parse(await xsimOk(home, "info", "--json")) as Array<{
      host: string;
      total_memory: number;
    }>;
    expect(infos).toHaveLength(2);
    expect(infos.every((i) => i.total_memory === HOST_MEMORY_MIB)).toBe(true);
    const text = await xsimOk(home, "info");
    expect(text.match(/^total_memory {11}: /gm)).toHaveLength(2);
    const name = (await xsimOk(home, "-H", "host1", "domname", "1")).trim();
    expect((await xsimOk(home, "domid", name)).trim()).toBe("1");
    const vcpus = (await xsimOk(home, "vcpu-list", name)).trimEnd().split("\n");
    expect(vcpus[0]).toMatch(/Affinity \(Hard \/ Soft\)\tHost$/);
    expect(vcpus.slice(1).every((line) => line.startsWith(name) && line.endsWith("\thost1"))).toBe(true);
    for (const args of [["xenstore-ls"], ["restore", "/nonexistent"], ["sched-credit2"]]) {
      const run = await xsim(home, ...args);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toMatch(/name it with -H \(the cluster has host1, host2\)/);
    }
  });

  it("xsim down stops every process it started", async () => {
    expect(cluster).toBeDefined();
    const pids = [cluster!.natsPid, ...cluster!.hosts.map((h) => h.pid)];
    expect(pids.every(isAlive)).toBe(true);
    const stdout = await xsimOk(home, "down");
    downDone = true;
    expect(stdout).toContain("cluster down");
    await waitUntilDead(pids);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(join(home, "cluster.json"))).toBe(false);
  });
});
