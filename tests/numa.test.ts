import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHostProcess, type HostProcess } from "./support/host-process.js";
import { runXsim } from "./support/xsim-cli.js";

let home: string;
let host: HostProcess;

async function xsimOk(...args: string[]): Promise<string[]> {
  const run = await runXsim(home, "-H", host.address, ...args);
  expect(run.code, `xsim ${args.join(" ")}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run.stdout.trimEnd().split("\n");
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-numa-"));
  host = await startHostProcess({
    hostId: "n1",
    memoryMib: 2048,
    pcpus: 4,
    extraArgs: ["--numa-nodes", "2"],
  });
});

afterAll(async () => {
  await host?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe("a host of two NUMA nodes (--numa-nodes 2)", () => {
  it("reports its nodes in xl info and xl info -n", async () => {
    expect(await xsimOk("info")).toContain("nr_nodes               : 2");
    const lines = await xsimOk("info", "-n");
    const at = lines.indexOf("cpu_topology           :");
    expect(lines.slice(at + 2, at + 6)).toEqual([
      "  0:       0        0        0",
      "  1:       1        0        0",
      "  2:       0        1        1",
      "  3:       1        1        1",
    ]);
    const numa = lines.slice(
      lines.indexOf("numa_info              :") + 2,
      lines.indexOf("numa_info              :") + 4,
    );
    expect(numa[0]).toMatch(/^ {3}0: {4} {2}1024 {5} +\d+ {6}10,20$/);
    expect(numa[1]).toMatch(/^ {3}1: {4} {2}1024 {5} {2}1024 {6}20,10$/);
  });

  it('pins cpus="node:1" to node 1\'s pCPUs, places the guest there, and splits pools by node', async () => {
    const cfg = join(home, "web.cfg");
    writeFileSync(cfg, 'name = "web"\nkernel = "/k"\nmemory = 64\nvcpus = 1\ncpus = "node:1"\n');
    await xsimOk("create", cfg);
    expect((await xsimOk("vcpu-list", "web"))[1]).toMatch(/ {2}2-3 \/ 2-3$/);
    // web's 64 MiB came from node 1: its memfree is measured below its 1024 MiB now.
    const node1 = (await xsimOk("info", "-n")).find((l) => l.startsWith("   1:"))!;
    expect(Number(node1.trim().split(/ +/)[2])).toBeLessThanOrEqual(1024 - 64);
    await xsimOk("cpupool-numa-split");
    expect((await xsimOk("cpupool-list", "-c")).slice(1)).toEqual([
      `${"Pool-node0".padEnd(19)}0,1`,
      `${"Pool-node1".padEnd(19)}2,3`,
    ]);
  });
});
