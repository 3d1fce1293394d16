import { setTimeout as sleep } from "node:timers/promises";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import type { HostClient } from "../services/gen/xensim/v1/host.js";
import {
  MigrateRequest,
  type MigrateEvent,
  type MigrationClient,
  type MigrationStats,
} from "../services/gen/xensim/v1/migration.js";

/** How long a guest may take to populate every page with the `fill` workload. */
export const POPULATE_TIMEOUT_MS = 120_000;
export const POLL_INTERVAL_MS = 100;
/** How long one migration may take before the bench gives up on it. */
export const MIGRATION_TIMEOUT_MS = 300_000;

/** A PV guest of `memoryMib`, as in xl.cfg(5); `fill` gives every page distinct content at once. */
export function bigGuestConfig(name: string, memoryMib: number): string {
  return [
    `name = "${name}"`,
    `type = "pv"`,
    `kernel = "/boot/vmlinuz-bench"`,
    `memory = ${memoryMib}`,
    `vcpus = 1`,
    `xsim_workload = "fill"`,
    "",
  ].join("\n");
}

export async function createBigGuest(client: HostClient, name: string, memoryMib: number): Promise<void> {
  const reply = await unaryCall(client.create.bind(client), {
    configText: bigGuestConfig(name, memoryMib),
    configFileName: `${name}.cfg`,
    overrides: [],
    paused: false,
    configJson: "",
  });
  if (!reply.domain) throw new Error(`create ${name}: the reply has no domain`);
}

/** Polls List until the guest has `pageCount` populated pages; returns how long that took. */
export async function waitPopulated(client: HostClient, name: string, pageCount: number): Promise<number> {
  const started = performance.now();
  const pollCountMax = Math.ceil(POPULATE_TIMEOUT_MS / POLL_INTERVAL_MS);
  let populated = 0;
  for (let poll = 0; poll < pollCountMax; poll++) {
    const reply = await unaryCall(client.list.bind(client), { domains: [name] });
    populated = reply.domains[0]?.populatedPages ?? 0;
    if (populated === pageCount) return performance.now() - started;
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`${name}: ${populated} of ${pageCount} pages populated after ${POPULATE_TIMEOUT_MS} ms`);
}

export async function setWorkload(client: HostClient, name: string, workload: string): Promise<void> {
  await unaryCall(client.setWorkload.bind(client), { domain: name, workload });
}

export interface MigrateOptions {
  domain: string;
  destination: string;
  policy: string;
  /** qemu policy only; 0 = the policy's default. */
  downtimeLimitMs: number;
}

/**
 * Runs one live migration, unlimited bandwidth, and returns its final statistics, also when it
 * failed (a policy may abort: the guest then stays on the source). Rejects only without them.
 */
export function migrate(client: MigrationClient, options: MigrateOptions): Promise<MigrationStats> {
  const request = MigrateRequest.fromPartial({ ...options, live: true, bandwidth: "unlimited" });
  const call = client.migrate(request, { deadline: Date.now() + MIGRATION_TIMEOUT_MS });
  let final: MigrationStats | undefined;
  return new Promise((resolve, reject) => {
    call.on("data", (event: MigrateEvent) => {
      if (event.final && event.stats) final = event.stats;
    });
    call.on("error", (error: Error & { details?: string }) => {
      if (final) resolve({ ...final, error: final.error || (error.details ?? error.message) });
      else reject(new Error(`migrate ${options.domain}: ${error.details ?? error.message}`));
    });
    call.on("end", () => {
      if (final) resolve(final);
      else reject(new Error(`migrate ${options.domain} ended without statistics`));
    });
  });
}
