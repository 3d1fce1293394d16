import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHostProcess, type HostProcess } from "./support/host-process.js";
import { runXsim as xsim } from "./support/xsim-cli.js";
import { unaryCall } from "../services/transport/grpc/host-client.js";

// Each bad input a user can type, through the real CLI and a real host: a non-zero exit, a message
// naming the field on stderr, no stack trace, no "internal error", and the domain as it was.
describe("bad input through xsim and a real host", () => {
  let host: HostProcess;
  let home: string;
  let listBefore: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "xsim-bad-input-"));
    // Restore may read files in `home` (an allow-listed directory), nothing else outside its state.
    host = await startHostProcess({ hostId: "bad1", memoryMib: 2048, extraArgs: ["--allow-dir", home] });
    const configText = 'name = "w2"\nkernel = "/k"\nmemory = 256\n';
    writeFileSync(join(home, "w2.cfg"), configText);
    mkdirSync(join(home, "saves"));
    await unaryCall(host.client.create.bind(host.client), {
      configText,
      configFileName: "w2.cfg",
      overrides: [],
      paused: false,
      configJson: "",
    });
    listBefore = JSON.stringify(await domains());
  });

  afterAll(async () => {
    await host?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  async function domains(): Promise<unknown> {
    const reply = await unaryCall(host.client.list.bind(host.client), { domains: [] });
    return reply.domains.map((d) => [d.domid, d.name, d.memoryKib, d.maxmemKib, d.vcpusOnline, d.workload]);
  }

  const cases: Array<[string[], string]> = [
    [["mem-max", "w2", "999t"], "mem-max: maxmem 1072668082176 KiB is out of range"],
    [["rename", "w2", "a/b"], `new name "a/b" must not contain '/'`],
    [["rename", "w2", ".."], 'new name ".." must not be ".."'],
    [["rename", "w2", "w2--incoming"], 'must not end in "--incoming"'],
    [["workload", "w2", "wws:hot=999G,rate=10"], "workload: hot set of 1072668082176 bytes is larger"],
    [["restore", "{home}/saves"], "saves is a directory, not a save file"],
    [["restore", "/tmp"], "/tmp: outside this host's state directory"],
    [["restore", "/etc/passwd"], "/etc/passwd: outside this host's state directory"],
    [["restore", "{home}/w2.cfg"], "w2.cfg is not a save image"],
    [["vcpu-set", "w2", "99999999999"], "vcpu-set: 99999999999 is out of range"],
    [["migrate", "w2", "127.0.0.1:1", "--downtime-limit", "-1"], "--downtime-limit: -1 is out of range"],
    [["create", "{home}/w2.cfg", "vcpus=0", 'name="v"'], '"vcpus" is 0, must be between 1 and 4096'],
    [
      ["create", "{home}/w2.cfg", "vcpus=100000", 'name="v"'],
      '"vcpus" is 100000, must be between 1 and 4096',
    ],
    [["create", "{home}/w2.cfg", 'name="a/b"'], `domain name "a/b" must not contain '/'`],
    [["create", "{home}/w2.cfg", 'name="w--migratedaway"'], "reserved by live migration"],
  ];
  it.each(cases)("xsim %j is refused naming the field and changes nothing", async (args, message) => {
    const run = await xsim(home, "-H", host.address, ...args.map((a) => a.replace("{home}", home)));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/internal error|serialization failure|\n\s+at /);
    expect(JSON.stringify(await domains())).toBe(listBefore);
  });
});
