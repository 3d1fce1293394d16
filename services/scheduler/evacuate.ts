import type { Scheduler } from "./scheduler.js";
import { clusterMigrate } from "./operations.js";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";

/** XAPI's default for migrations at once during host evacuation (a host runs at most 2 outbound). */
export const EVACUATE_PARALLEL_DEFAULT = 10;
/** Times one domain is retried (it may be busy: already migrating after a scheduler restart). */
export const EVACUATE_ATTEMPT_COUNT_MAX = 5;
export const EVACUATE_RETRY_DELAY_MS = 500;

const OP_PREFIX = "op.evacuate.";

/**
 * `xsim host-evacuate`: maintenance mode. The host is disabled (no new domains) and every DomU is
 * live-migrated off, a bounded number at a time. The operation is written to the durable store
 * first, so a scheduler that restarts in the middle finishes it.
 */
export async function evacuate(
  scheduler: Scheduler,
  hostId: string,
  parallel: number,
  emit: (event: OperationEvent) => void,
): Promise<boolean> {
  const host = scheduler.requireHost(hostId);
  await scheduler.setHostEnabled(hostId, false);
  await scheduler.options.store.put(`${OP_PREFIX}${hostId}`, JSON.stringify({ parallel }));
  await scheduler.syncHost(host);
  const names = [...host.domains.values()]
    .map((d) => d.name)
    .filter((n) => !n.endsWith("--incoming") && !n.endsWith("--migratedaway"));
  emit(
    event(
      "info",
      "",
      hostId,
      "",
      `evacuating ${names.length} domains from ${hostId}, ${parallel} at a time`,
      true,
    ),
  );
  const failures: string[] = [];
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const error = await moveOne(scheduler, name, emit, hostId);
      if (error) failures.push(`${name}: ${error}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, names.length)) }, worker));
  await scheduler.options.store.delete(`${OP_PREFIX}${hostId}`);
  const ok = failures.length === 0;
  emit(
    event(
      ok ? "done" : "failed",
      "",
      hostId,
      "",
      ok ? `${hostId} is empty and disabled` : `could not move: ${failures.join("; ")}`,
      ok,
      true,
    ),
  );
  return ok;
}

async function moveOne(
  scheduler: Scheduler,
  name: string,
  emit: (event: OperationEvent) => void,
  hostId: string,
): Promise<string | undefined> {
  let lastError = "";
  for (let attempt = 1; attempt <= EVACUATE_ATTEMPT_COUNT_MAX; attempt++) {
    const found = scheduler.view.findDomain(name);
    if (!found || found.host.hostId !== hostId) return undefined; // already gone from this host
    try {
      const last = await clusterMigrate(
        scheduler,
        { domain: name, destinationHostId: "", policy: "xen", live: true, bandwidth: "" },
        () => undefined,
      );
      const stats = last.stats;
      emit(
        event(
          "migrate",
          name,
          hostId,
          stats?.destination ?? "",
          `${stats?.status}: ${stats?.totalTimeMs.toFixed(0)} ms, downtime ${stats?.downtimeMs.toFixed(1)} ms`,
          stats?.status === "completed",
        ),
      );
      if (stats?.status === "completed") return undefined;
      lastError = stats?.error ?? "failed";
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      if (!/already being migrated|outbound migrations|not known yet/.test(lastError)) break;
    }
    await new Promise<void>((resolve) => scheduler.clock.setTimer(EVACUATE_RETRY_DELAY_MS, resolve));
    await scheduler.syncHost(scheduler.requireHost(hostId));
  }
  emit(event("migrate", name, hostId, "", lastError, false));
  return lastError;
}

/** After a restart: finish every evacuation the previous scheduler had begun. */
export async function resumeEvacuations(
  scheduler: Scheduler,
  emit: (event: OperationEvent) => void,
): Promise<void> {
  for (const key of await scheduler.options.store.keys(OP_PREFIX)) {
    const hostId = key.slice(OP_PREFIX.length);
    const op = JSON.parse((await scheduler.options.store.get(key)) ?? "{}") as { parallel?: number };
    if (!scheduler.view.hosts.has(hostId)) {
      scheduler.log(`evacuation of ${hostId} pending: host not seen yet`);
      continue;
    }
    scheduler.log(`resuming the evacuation of ${hostId}`);
    await evacuate(scheduler, hostId, op.parallel ?? EVACUATE_PARALLEL_DEFAULT, emit);
  }
}

export function event(
  kind: string,
  domain: string,
  fromHost: string,
  toHost: string,
  message: string,
  ok: boolean,
  final = false,
): OperationEvent {
  return { kind, domain, fromHost, toHost, message, ok, final };
}
