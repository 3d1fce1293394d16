import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./support/ports.js";
import { waitUntil } from "./support/migration-cluster.js";
import { runXsim, type XsimRun } from "./support/xsim-cli.js";

const HOST_MEMORY_MIB = 4096;
/** on_crash = "destroy": the toolstack reaps the crashed domain. */
const GONE_TIMEOUT_MS = 10_000;
/** Until the scheduler has heard both hosts' heartbeats (1 s apart), on a loaded machine. */
const HEARTBEATS_TIMEOUT_MS = 15_000;

/** `xsim up --allow-fault-injection` (docs/specs/fault-injection.md); tests/cli.test.ts checks the default, off. */
describe("xsim up --allow-fault-injection", () => {
  const home = mkdtempSync(join(tmpdir(), "xsim-up-fault-"));
  const xsim = (...args: string[]) => runXsim(home, ...args);
  let up: XsimRun;

  beforeAll(async () => {
    const natsPort = await freePort();
    const args = ["--hosts", "2", "--nats-port", String(natsPort), "--memory-mib", String(HOST_MEMORY_MIB)];
    up = await xsim("up", ...args, "--allow-fault-injection");
  });

  afterAll(async () => {
    await xsim("down");
    rmSync(home, { recursive: true, force: true });
  });

  it("starts every host with the gate open, says so, and xsim info shows it", async () => {
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/^started host1 at \S+ \(fault injection allowed\)$/m);
    expect(up.stderr).toMatch(/^started host2 at \S+ \(fault injection allowed\)$/m);
    // info covers the hosts the scheduler knows: wait until both heartbeats reached it.
    let infos: Array<Record<string, unknown>> = [];
    await waitUntil(async () => {
      infos = JSON.parse((await xsim("info", "--json")).stdout) as Array<Record<string, unknown>>;
      return infos.length === 2;
    }, HEARTBEATS_TIMEOUT_MS);
    expect(infos.map((i) => [i.host, i.fault_injection])).toEqual([
      ["host1", "allowed"],
      ["host2", "allowed"],
    ]);
  });

  it("lets xsim fault crash a domain on a host of that cluster", async () => {
    const config = join(home, "web.cfg");
    writeFileSync(config, 'name = "web"\nkernel = "/boot/vmlinuz"\nmemory = 16\non_crash = "destroy"\n');
    const created = await xsim("-H", "host2", "create", config);
    expect(created.code, created.stderr).toBe(0);
    const crashed = await xsim("-H", "host2", "fault", "crash", "web");
    expect(crashed.code, crashed.stderr).toBe(0);
    expect(crashed.stdout).toMatch(/^crashed web \(domid \d+\)/);
    await waitUntil(async () => (await xsim("-H", "host2", "domid", "web")).code === 1, GONE_TIMEOUT_MS);
  });
});
