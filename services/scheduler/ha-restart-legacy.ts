import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import type { HaRecord } from "./ha-records.js";
import { chooseAndClaim } from "./operations.js";
import { parseConfig, placementRequest } from "./placement-adapter.js";

/** Times a down host that still answers and still runs HA domains is looked at again. */
export const HA_RECHECK_COUNT_MAX = 30;
export const HA_RECHECK_INTERVAL_MS = 1000;

/**
 * LEGACY, kept only for the in-process simulator (services/sim/cluster.ts) until it wires the lease
 * statefile: the real scheduler restarts guests from leases (ha-monitor.ts, docs/specs/ha.md §5),
 * never from NATS heartbeat loss, which a forged or late heartbeat can fake.
 *
 * HA: when a host is declared down, its HA domains are created again on surviving hosts, `restart`
 * priority before `best-effort` (XAPI's ha-restart-priority). The dead host, if it is only cut off,
 * fences itself (destroys its DomUs) before the scheduler's deadline, so no guest runs twice. A
 * host that was declared down but still answers (late heartbeats: a busy scheduler or network)
 * keeps the domains it still runs; they are looked at again while it stays down.
 */
export async function restartHaDomains(
  scheduler: Scheduler,
  deadHost: HostEntry,
  recheckCount = 0,
): Promise<string[]> {
  const results: string[] = [];
  const stillThere = await uuidsStillOn(scheduler, deadHost);
  let waiting = false;
  for (const record of await scheduler.ha.onHost(deadHost.hostId)) {
    const running = scheduler.view.findDomain(record.uuid);
    if (running && running.host.hostId !== deadHost.hostId) {
      results.push(`${record.name}: already runs on ${running.host.hostId}`);
    } else if (stillThere.has(record.uuid)) {
      waiting = true;
      results.push(`${record.name}: still runs on ${deadHost.hostId}, which answers`);
    } else {
      results.push(await restartOne(scheduler, record, deadHost));
    }
  }
  if (waiting && recheckCount < HA_RECHECK_COUNT_MAX) {
    scheduler.clock.setTimer(HA_RECHECK_INTERVAL_MS, () => {
      if (scheduler.view.hosts.get(deadHost.hostId) === deadHost && deadHost.liveness === "down")
        void restartHaDomains(scheduler, deadHost, recheckCount + 1);
    });
  }
  return results;
}

/** The uuids a down host still runs, if it answers at all (a killed host does not). */
async function uuidsStillOn(scheduler: Scheduler, host: HostEntry): Promise<Set<string>> {
  try {
    const domains = await scheduler.options.gateway.list(host.address);
    return new Set(domains.filter((d) => d.domid !== 0).map((d) => d.uuid));
  } catch {
    return new Set();
  }
}

async function restartOne(scheduler: Scheduler, record: HaRecord, deadHost: HostEntry): Promise<string> {
  const config = parseConfig(record.configJson);
  if (!config) return `${record.name}: not restarted (no config recorded)`;
  try {
    const { host: target, claim } = chooseAndClaim(
      scheduler,
      placementRequest({ ...config, name: record.name }, { excludeHostIds: [deadHost.hostId] }),
    );
    const configJson = JSON.stringify({ ...config, name: record.name, uuid: record.uuid });
    const domain = await scheduler.options.gateway
      .create(target.address, {
        configText: "",
        configFileName: `ha:${record.name}`,
        overrides: [],
        paused: false,
        configJson,
      })
      .catch((error: unknown) => {
        claim.release();
        throw error;
      });
    claim.settle();
    await scheduler.ha.moved(record.uuid, target.hostId, domain.domid);
    await scheduler.syncHost(target);
    scheduler.log(`HA: restarted ${record.name} (${record.priority}) on ${target.hostId}`);
    return `${record.name}: restarted on ${target.hostId}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    scheduler.log(`HA: could not restart ${record.name} (${record.priority}): ${message}`);
    return `${record.name}: not restarted (${message})`;
  }
}
