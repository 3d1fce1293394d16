import type { Scheduler } from "./scheduler.js";
import type { HaRecord } from "./ha-records.js";
import type { Statefile } from "../contracts/statefile.js";
import { chooseAndClaim } from "./operations.js";
import { parseConfig, placementRequest } from "./placement-adapter.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { leaseKey, parseLease } from "../contracts/lease.js";
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
  /** False once HA was disabled during the round: no restart begins after (docs/specs/ha.md §1). */
  stillOn?: () => boolean;
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
    if (restarter.stillOn && !restarter.stillOn()) break;
    if (lost.restarted && !underEpoch(record, lost)) continue;
    const name = await guestName(names, record);
    if (lost.restarted && !(await resyncRestartedHost(scheduler, lost.hostId))) break;
    const elsewhere = await copiesElsewhere(scheduler, record, name?.held, lost.hostId);
    // The guest itself: its NAME--incoming on a migration's destination is not it (VOPR seed 117).
    const running = scheduler.view.findGuest(record.uuid);
    if (running && (running.host.hostId !== lost.hostId || lost.restarted)) {
      if (running.host.hostId === lost.hostId) continue; // restored where it was: nothing to do
      await scheduler.ha.moved(
        record.uuid,
        running.host.hostId,
        running.domain.domid,
        running.host.leaseEpoch,
        lost,
      );
      results.push(`${record.name}: already runs on ${running.host.hostId}`);
      continue;
    }
    if (!name) {
      results.push(await forgetDestroyed(scheduler, record));
      continue;
    }
    if (elsewhere.length > 0) {
      results.push(`${name.name}: not restarted (it may run on ${elsewhere.join(", ")})`);
      continue;
    }
    const held = await takeRestartToken(statefile, lost, record.uuid, restarter.ownerId);
    if (!held) continue;
    const exclude = [lost.hostId, ...restarter.excludeHostIds];
    const result = await restartOne(scheduler, { ...record, name: name.name }, exclude, {
      names,
      name: name.held,
      lostHostId: lost.hostId,
      lostEpoch: lost.epoch,
    });
    await settle(statefile, held, record, result);
    results.push(result.report);
  }
  return results;
}

type Holding = Awaited<ReturnType<ClusterNames["holding"]>>;

/** Whether the record names the lost host under the lost epoch: as its host, or as a migration's destination. */
function underEpoch(record: HaRecord, lost: LostHost): boolean {
  if (record.hostId === lost.hostId && record.hostEpoch === lost.epoch) return true;
  return record.migratingTo === lost.hostId && record.migratingToEpoch === lost.epoch;
}

/**
 * The name the guest holds in the store and its revision, read before looking at what runs (the
 * restart moves it at that revision): its record's name, or the one it was renamed to since the
 * record was written. Undefined when the guest holds no name: it was destroyed (or shut down) on
 * purpose, since a host frees a protected guest's name before destroying it and nothing else frees
 * it while the HA record lasts (docs/specs/ha.md §5).
 */
async function guestName(
  names: ClusterNames,
  record: HaRecord,
): Promise<{ name: string; held: Holding } | undefined> {
  const held = await names.holding(record.name);
  if (held?.holder.uuid === record.uuid) return { name: record.name, held };
  for (const [name, holder] of await names.all())
    if (holder.uuid === record.uuid) return { name, held: await names.holding(name) };
  return undefined;
}

/**
 * The hosts other than the lost one that may run a copy of the guest: the one its name names,
 * and both ends of a migration its record names (the store may have been unreachable when the
 * migration ended), each read afresh (runsNoCopy). Empty: it runs nowhere else.
 */
async function copiesElsewhere(
  scheduler: Scheduler,
  record: HaRecord,
  held: Holding,
  lostHostId: string,
): Promise<string[]> {
  const hostIds = new Set([held?.holder.hostId, record.hostId, record.migratingTo]);
  const found: string[] = [];
  for (const hostId of hostIds)
    if (hostId !== undefined && hostId !== lostHostId && !(await runsNoCopy(scheduler, hostId, record.uuid)))
      found.push(hostId);
  return found;
}

/**
 * Whether host `hostId`, which holds the guest's name though the guest was lost on another host,
 * provably runs no copy of it: read afresh now (after the name, whose revision fences anything
 * that starts there later), or its lease revoked (fenced or dead; it takes no protected guest before
 * a new lease). A migration that committed while the store was unreachable leaves the name on its
 * source (VOPR seeds 2 and 14).
 */
async function runsNoCopy(scheduler: Scheduler, hostId: string, uuid: string): Promise<boolean> {
  const host = scheduler.view.hosts.get(hostId);
  if (host?.liveness === "up" && (await scheduler.syncHost(host)))
    return ![...host.domains.values()].some((domain) => domain.uuid === uuid);
  const entry = await scheduler.options.store.entry(leaseKey(hostId));
  return entry !== undefined && parseLease(entry.value)?.state === "revoked";
}

/** A guest destroyed on purpose while no scheduler heard of it: its record goes, never a restart. */
async function forgetDestroyed(scheduler: Scheduler, record: HaRecord): Promise<string> {
  const why = "it holds no name: destroyed on purpose";
  // Its restart tokens go with the record (purgeRestartTokens, the same round).
  if (await scheduler.ha.forgetIfOn(record.uuid, record.hostId, record.domid))
    scheduler.log(`HA: not restarting ${record.name} (${record.uuid}): ${why}; its HA record is dropped`);
  return `${record.name}: not restarted (${why})`;
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
  name: Holding;
  lostHostId: string;
  lostEpoch: string;
}

async function restartOne(
  scheduler: Scheduler,
  record: HaRecord,
  excludeHostIds: string[],
  fence: NameFence,
): Promise<RestartResult> {
  const config = parseConfig(record.configJson);
  if (!config) return { outcome: "no-room", report: `${record.name}: not restarted (no config recorded)` };
  // Restarted only while its name is held by the guest on the lost host (free: destroyed meanwhile).
  const name = fence.name;
  if (!name) return fenced(scheduler, record, "its name was freed meanwhile");
  const holder = name.holder;
  if (holder.uuid !== record.uuid)
    return fenced(scheduler, record, `its name is held by ${holder.uuid} on ${holder.hostId}`);
  // Another host of the guest's, read afresh without a copy (copiesElsewhere): the name was left there.
  if (holder.hostId !== fence.lostHostId)
    scheduler.log(`HA: the name ${record.name} was left on ${holder.hostId}, which runs no copy of it`);
  try {
    const { host: target, claim } = chooseAndClaim(
      scheduler,
      placementRequest({ ...config, name: record.name }, { excludeHostIds }),
      "spread",
      record.uuid,
    );
    const owner = { uuid: record.uuid, hostId: target.hostId };
    if ((await fence.names.moveAt(record.name, owner, name.revision)) === undefined) {
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
        // Back to the lost host: a free name would read as "destroyed on purpose" next round.
        const lostOwner = { uuid: record.uuid, hostId: fence.lostHostId };
        await fence.names.handBack(record.name, owner, lostOwner).catch(() => undefined);
        throw error;
      });
    claim.settle();
    const lost = { hostId: fence.lostHostId, epoch: fence.lostEpoch };
    await scheduler.ha.moved(record.uuid, target.hostId, domain.domid, target.leaseEpoch, lost);
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
 * Hosts that restarted or fenced (a new lease epoch) before anyone revoked their old lease: the HA
 * guests recorded under the old epoch died with it; those the host does not run again (restored
 * at its start) are restarted, once per old epoch, as for a revoked lease. An epoch is old when the
 * host's live lease names another and the host's last List did not report it either (a host lists
 * under its new epoch before it writes its lease). A migration's destination counts with the epoch
 * it had when the migration started: a guest that landed there while no scheduler could move its
 * record (crashed, or the store unreachable) died with that epoch too (VOPR seeds 226, 270).
 */
export async function restartRestartedHosts(
  scheduler: Scheduler,
  statefile: Statefile,
  restarter: Restarter,
): Promise<void> {
  const gone = new Map<string, LostHost>();
  const noteIfGone = (hostId: string, epoch: string | undefined) => {
    const epochNow = scheduler.hostEpochs.get(hostId);
    const listedEpoch = scheduler.view.hosts.get(hostId)?.leaseEpoch;
    if (epoch === undefined || epochNow === undefined || epochNow === epoch || listedEpoch === epoch) return;
    gone.set(`${hostId}.${epoch}`, { hostId, epoch, restarted: true });
  };
  for (const record of await scheduler.ha.all()) {
    noteIfGone(record.hostId, record.hostEpoch);
    if (record.migratingTo !== undefined) noteIfGone(record.migratingTo, record.migratingToEpoch);
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
    const running = scheduler.view.findGuest(token.uuid);
    const over =
      record === undefined || (record.hostId !== token.from && running?.host.hostId === record.hostId);
    if (!over) continue;
    await statefile.remove(key);
    removedCount++;
  }
  return removedCount;
}
