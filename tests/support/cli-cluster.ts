import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { RELAXED_HEARTBEAT_MS, startSchedulerCluster, type SchedulerCluster } from "./scheduler-cluster.js";
import { runXsimWithEnv, type XsimRun } from "./xsim-cli.js";

/** A scheduler cluster of real processes and a CLI home whose `xsim` talks to its scheduler. */
export interface CliCluster {
  cluster: SchedulerCluster;
  home: string;
  readonly xsim: (...args: string[]) => Promise<XsimRun>;
}

/**
 * Two hosts, rn1 and rn2 on 127.0.OCTET.11 and .12 (each test file its own octet), 2 GiB each,
 * under a scheduler with RELAXED_HEARTBEAT_MS heartbeats, and a CLI home named after
 * `homePrefix`: started before the file's tests and stopped after them (its own hooks).
 */
export function twoHostsWithCli(octet: number, homePrefix: string): CliCluster {
  const rig = {
    xsim: (...args: string[]) =>
      runXsimWithEnv(rig.home, { XSIM_SCHEDULER: rig.cluster.scheduler.address }, ...args),
  } as CliCluster;
  beforeAll(async () => {
    const hosts = ["rn1", "rn2"].map((hostId, i) => ({
      hostId,
      listenHost: `127.0.${octet}.${i + 11}`,
      memoryMib: 2048,
      dom0MemoryMib: 256,
    }));
    rig.cluster = await startSchedulerCluster(hosts, RELAXED_HEARTBEAT_MS);
    rig.home = mkdtempSync(join(tmpdir(), homePrefix));
  });
  afterAll(async () => {
    await rig.cluster?.stop();
    if (rig.home) rmSync(rig.home, { recursive: true, force: true });
  });
  return rig;
}
