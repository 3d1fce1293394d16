import type { Scheduler } from "./scheduler.js";
import type { HaRecord } from "./ha-records.js";
import type { Statefile } from "../contracts/statefile.js";
import { chooseAndClaim } from "./operations.js";
import { parseConfig, placementRequest } from "./placement-adapter.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import {
  parseRestartToken,
  RESTART_TOKEN_PREFIX,
  settleRestartToken,
  takeRestartToken,
  type HeldToken,
} from "./ha-restart-token.js";

export { restartTokenKey } from "./ha-restart-token.js";

export interface LostHost {
  hostId: string;
  /** The epoch of the lease that was revoked: a guest is restarted once per lost lease. */
  epoch: string;
  /**
   * The host runs again under a new epoch (it restarted before its lease was revoked): the guests
   * of the old epoch are gone, except those it runs now (restored at its start), which stay.
   */
  restarted?: boolean;
  /**
   * Asked after the records were read: whether the lease is still lost. A host takes no protected
   * guest before its next lease is written, so records read while it is still lost name only
   * guests of the lost lease (never one started on the host since).
   */
  stillLost?: () => Promise<boolean>;
}

/** Who restarts: the scheduler process (its id is new at each start) and where it must not place. */
export interface Restarter {
  ownerId: string;
  excludeHostIds: readonly string[];
}

/**
 * HA restart of a host that provably lost its lease (docs/specs/ha.md §5): its HA domains are
 * created again on other hosts, `restart` priority before `best-effort` (XAPI's
 * ha-restart-priority). Two compare-and-sets make it happen once: the domain's restart token
 * (which a later scheduler takes over when the one holding it died before the create), and the
 * domain's name, moved to the target at the revision read before looking at what runs, so that a
 * second scheduler or a restore of the same guest cannot also start it.
 */
export async function restartLostHost(
  scheduler: Scheduler,
  statefile: Statefile,
  lost: LostHost,
  restarter: Restarter = { ownerId: "scheduler", excludeHostIds: [] },
): Promise<string[]> {
  const results: string[] = [];
  const names = new ClusterNames(scheduler.options.store);
  const records = await scheduler.ha.onHost(lost.hostId);
  if (lost.stillLost && !(await lost.stillLost())) return results;
  for (const record of records) {
    if (lost.restarted && record.hostEpoch !== lost.epoch) continue;
    const name = await names.holding(record.name);
    if (lost.restarted && !(await resyncRestartedHost(scheduler, lost.hostId))) break;
    const running = scheduler.view.findDomain(record.uuid);
    if (running && (running.host.hostId !== lost.hostId || lost.restarted)) {
      if (running.host.hostId === lost.hostId) continue; // restored where it was: nothing to do
      await scheduler.ha.moved(record.uuid, running.host.hostId, running.domain.domid);
      results.push(`${record.name}: already runs on ${running.host.hostId}`);
      continue;
    }
    const held = await takeRestartToken(statefile, lost, record.uuid, restarter.ownerId);
    if (!held) continue;
    const exclude = [lost.hostId, ...restarter.excludeHostIds];
    const result = await restartOne(scheduler, record, exclude, { names, name, lostHostId: lost.hostId });
    await settle(statefile, held, record, result);
    results.push(result.report);
  }
  return results;
}

/** A restarted host is read afresh before its old guests are judged gone. */
async function resyncRestartedHost(scheduler: Scheduler, hostId: string): Promise<boolean> {
  const host = scheduler.view.hosts.get(hostId);
  return host !== undefined && host.liveness === "up" && (await scheduler.syncHost(host));
}

interface RestartResult {
  outcome: "restarted" | "no-room" | "fenced";
  targetHostId?: string;
  report: string;
}

async function settle(
  statefile: Statefile,
  held: HeldToken,
  record: HaRecord,
  result: RestartResult,
): Promise<void> {
  if (result.outcome === "restarted" && result.targetHostId)
    return settleRestartToken(statefile, held, { state: "created", targetHostId: result.targetHostId });
  // Fenced: someone else started it or holds its name; the token stays claimed and the next round
  // looks again (the guest then runs somewhere, or its stale name was freed by the reconcile).
  if (result.outcome === "fenced") return;
  // A protected guest that found no room is tried again next round; best-effort gets one try.
  return settleRestartToken(statefile, held, {
    state: record.priority === "restart" ? "retry" : "given-up",
  });
}

interface NameFence {
  names: ClusterNames;
  name: Awaited<ReturnType<ClusterNames["holding"]>>;
  lostHostId: string;
}

async function restartOne(
  scheduler: Scheduler,
  record: HaRecord,
  excludeHostIds: string[],
  fence: NameFence,
): Promise<RestartResult> {
  const config = parseConfig(record.configJson);
  if (!config) return { outcome: "no-room", report: `${record.name}: not restarted (no config recorded)` };
  const holder = fence.name?.holder;
  if (holder && (holder.uuid !== record.uuid || holder.hostId !== fence.lostHostId))
    return fenced(scheduler, record, `its name is held by ${holder.uuid} on ${holder.hostId}`);
  try {
    const { host: target, claim } = chooseAndClaim(
      scheduler,
      placementRequest({ ...config, name: record.name }, { excludeHostIds }),
      "spread",
      record.uuid,
    );
    const owner = { uuid: record.uuid, hostId: target.hostId };
    if ((await fence.names.moveAt(record.name, owner, fence.name?.revision)) === undefined) {
      claim.release();
      return fenced(scheduler, record, "its name changed meanwhile");
    }
    const configJson = JSON.stringify({ ...config, name: record.name, uuid: record.uuid });
    const domain = await scheduler.options.gateway
      .create(target.address, {
        configText: "",
        configFileName: `ha:${record.name}`,
        overrides: [],
        paused: false,
        configJson,
      })
      .catch(async (error: unknown) => {
        claim.release();
        await fence.names.release(record.name, owner).catch(() => undefined);
        throw error;
      });
    claim.settle();
    await scheduler.ha.moved(record.uuid, target.hostId, domain.domid);
    await scheduler.syncHost(target);
    scheduler.log(`HA: restarted ${record.name} (${record.priority}) on ${target.hostId}`);
    return {
      outcome: "restarted",
      targetHostId: target.hostId,
      report: `${record.name}: restarted on ${target.hostId}`,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    scheduler.log(`HA: could not restart ${record.name} (${record.priority}): ${message}`);
    return { outcome: "no-room", report: `${record.name}: not restarted (${message})` };
  }
}

function fenced(scheduler: Scheduler, record: HaRecord, why: string): RestartResult {
  scheduler.log(`HA: not restarting ${record.name} (${record.uuid}): ${why}`);
  return { outcome: "fenced", report: `${record.name}: not restarted (${why})` };
}

/**
 * Hosts that restarted (a new lease epoch) before anyone revoked their old lease: the HA guests
 * recorded under the old epoch died with the old process; those the host does not run again
 * (restored at its start) are restarted, once per old epoch, as for a revoked lease.
 */
export async function restartRestartedHosts(
  scheduler: Scheduler,
  statefile: Statefile,
  restarter: Restarter,
): Promise<void> {
  const gone = new Map<string, LostHost>();
  for (const record of await scheduler.ha.all()) {
    const epochNow = scheduler.hostEpochs.get(record.hostId);
    if (record.hostEpoch === undefined || epochNow === undefined || epochNow === record.hostEpoch) continue;
    gone.set(`${record.hostId}.${record.hostEpoch}`, {
      hostId: record.hostId,
      epoch: record.hostEpoch,
      restarted: true,
    });
  }
  for (const lost of gone.values()) {
    for (const line of await restartLostHost(scheduler, statefile, lost, restarter))
      scheduler.log(`HA: ${lost.hostId} restarted (epoch ${lost.epoch} gone): ${line}`);
  }
}

/**
 * Removes the restart tokens whose work is over (docs/specs/ha.md §5): the guest's HA record is
 * gone (destroyed on purpose) or names another host than the lost one and the guest runs there.
 */
export async function purgeRestartTokens(scheduler: Scheduler, statefile: Statefile): Promise<number> {
  let removedCount = 0;
  for (const [key, entry] of await statefile.readAll(RESTART_TOKEN_PREFIX)) {
    const token = parseRestartToken(entry.value);
    if (!token) continue;
    const record = await scheduler.ha.get(token.uuid);
    const running = scheduler.view.findDomain(token.uuid);
    const over =
      record === undefined || (record.hostId !== token.from && running?.host.hostId === record.hostId);
    if (!over) continue;
    await statefile.remove(key);
    removedCount++;
  }
  return removedCount;
}
