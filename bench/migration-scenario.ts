import { setTimeout as sleep } from "node:timers/promises";
import type { HostClient } from "../services/gen/xensim/v1/host.js";
import type { MigrationClient, MigrationStats } from "../services/gen/xensim/v1/migration.js";
import { migrate, setWorkload } from "./migration-ops.js";
import { processCpuMs } from "./proc.js";

export interface Scenario {
  name: string;
  workload: string;
  policy: string;
  /** qemu policy only; 0 = the policy's default (300 ms). */
  downtimeLimitMs: number;
  /** The goal for this scenario's downtime; 0 = none. */
  downtimeGoalMs: number;
  /** For the analytic model: uniform-random writes over a working set (wws), absent otherwise. */
  dirtying?: { workingSetBytes: number; dirtyBytesPerSecond: number };
}

export interface BenchHost {
  hostId: string;
  address: string;
  pid: number;
  host: HostClient;
  migration: MigrationClient;
}

/** Where the guest is now: it moves between the two hosts with every migration. */
export interface GuestPlace {
  name: string;
  hostIndex: 0 | 1;
}

export interface MigrationRun {
  /** Final statistics; `status` is "completed" or why not (a policy abort, say). */
  stats: MigrationStats;
  /** CPU time (user + system) each host process spent during the migration, in ms. */
  sourceCpuMs: number;
  destinationCpuMs: number;
}

/** Migrates the guest back and forth `migrationCount` times under `scenario`'s workload and policy. */
export async function runScenario(
  hosts: readonly [BenchHost, BenchHost],
  guest: GuestPlace,
  scenario: Scenario,
  migrationCount: number,
  settleMs: number,
): Promise<MigrationRun[]> {
  const runs: MigrationRun[] = [];
  for (let index = 0; index < migrationCount; index++) {
    const source = hosts[guest.hostIndex];
    const destinationIndex = guest.hostIndex === 0 ? 1 : 0;
    const destination = hosts[destinationIndex];
    await setWorkload(source.host, guest.name, scenario.workload);
    await sleep(settleMs);
    const sourceCpuMsBefore = processCpuMs(source.pid);
    const destinationCpuMsBefore = processCpuMs(destination.pid);
    const stats = await migrate(source.migration, {
      domain: guest.name,
      destination: destination.address,
      policy: scenario.policy,
      downtimeLimitMs: scenario.downtimeLimitMs,
    });
    runs.push({
      stats,
      sourceCpuMs: processCpuMs(source.pid) - sourceCpuMsBefore,
      destinationCpuMs: processCpuMs(destination.pid) - destinationCpuMsBefore,
    });
    // A failed migration leaves the guest running on the source.
    if (stats.status === "completed") guest.hostIndex = destinationIndex;
  }
  return runs;
}
