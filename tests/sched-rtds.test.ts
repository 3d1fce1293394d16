import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runXsim, writeGuestConfig, type XsimRun } from "./support/xsim-cli.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHostProcess, type HostProcess } from "./support/host-process.js";

/** xl_sched.c: "%-33s %4s %9s %9s %10s" and "%-33s %4s %4s %9s %9s %10s". */
const DOMAIN_HEADER = "Name                                ID    Period    Budget  Extratime";
const VCPU_HEADER = "Name                                ID VCPU    Period    Budget  Extratime";

let home: string;
let host: HostProcess;

const xsim = (...args: string[]): Promise<XsimRun> => runXsim(home, "-H", host.address, ...args);

async function xsimOk(...args: string[]): Promise<string[]> {
  const run = await xsim(...args);
  expect(run.code, `xsim ${args.join(" ")}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run.stdout.trimEnd().split("\n");
}

function writeConfig(name: string, lines: string[]): string {
  return writeGuestConfig(home, name, lines);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-rtds-"));
  host = await startHostProcess({ hostId: "r1", memoryMib: 2048, pcpus: 4 });
  await xsimOk("cpupool-cpu-remove", "Pool-0", "2,3");
  await xsimOk("cpupool-create", 'name="rt"', 'sched="rtds"', 'cpus=["2","3"]');
  await xsimOk("create", writeConfig("rt1", ["vcpus = 2", 'pool = "rt"']));
  await xsimOk("create", writeConfig("web", []));
});

afterAll(async () => {
  await host?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe("xsim sched-rtds (xl_sched.c main_sched_rtds)", () => {
  it("lists the RTDS pool and its domains with xl's header, Xen's defaults on the domain line", async () => {
    // xl_cpupool.c: "%-19s" then "%3d %9s       y       %4d".
    expect(await xsimOk("cpupool-list")).toContain(`${"rt".padEnd(19)}  2      rtds       y          1`);
    expect(await xsimOk("sched-rtds")).toEqual([
      "Cpupool rt: sched=RTDS",
      DOMAIN_HEADER,
      `${"rt1".padEnd(33)}    1     10000      4000        yes`,
    ]);
  });

  it("sets every vCPU or one, prints nothing then, and shows each vCPU's own", async () => {
    expect(
      await xsimOk("sched-rtds", "-d", "rt1", "-v", "all", "-p", "20000", "-b", "5000", "-e", "0"),
    ).toEqual([""]);
    await xsimOk("sched-rtds", "-d", "rt1", "-v", "1", "-p", "1000", "-b", "250", "-e", "1");
    expect(await xsimOk("sched-rtds", "-d", "rt1", "-v", "all")).toEqual([
      VCPU_HEADER,
      `${"rt1".padEnd(33)}    1    0     20000      5000         no`,
      `${"rt1".padEnd(33)}    1    1      1000       250        yes`,
    ]);
    expect(await xsimOk("sched-rtds", "-v", "all")).toEqual([
      "Cpupool rt: sched=RTDS",
      VCPU_HEADER,
      `${"rt1".padEnd(33)}    1    0     20000      5000         no`,
      `${"rt1".padEnd(33)}    1    1      1000       250        yes`,
    ]);
    const json = JSON.parse((await xsimOk("sched-rtds", "-d", "rt1", "-v", "0", "--json")).join("\n")) as {
      vcpus: unknown[];
    };
    expect(json.vcpus).toEqual([
      // proto3 JSON leaves out fields at their default (vcpu 0, extratime false)
      { name: "rt1", domid: 1, periodUs: 20000, budgetUs: 5000 },
    ]);
  });

  it("refuses what xl and Xen refuse, with their messages, changing nothing", async () => {
    const refusals: [string, string][] = [
      ["budget 200 us is not in 10..100", "-d rt1 -v 0 -p 100 -b 200 -e 1"],
      ["Incorrect number of period, budget and extratime", "-d rt1 -v 0 -p 100 -b 50"],
      ["Invalid extratime.", "-d rt1 -v 0 -p 100 -b 50 -e 2"],
      ["Invalid VCPU 7: valid range is [0, 1]", "-d rt1 -v 7"],
      ["Must specify VCPU.", "-d rt1 -p 100 -b 50 -e 0"],
      ["runs the credit2 scheduler, not rtds: use sched-credit2", "-d web"],
    ];
    for (const [message, args] of refusals) {
      const run = await xsim("sched-rtds", ...args.split(" "));
      expect(run.code, `sched-rtds ${args} should fail`).toBe(1);
      expect(run.stderr).toContain(message);
    }
    expect((await xsimOk("sched-rtds", "-d", "rt1", "-v", "0"))[1]).toBe(
      `${"rt1".padEnd(33)}    1    0     20000      5000         no`,
    );
  });
});
