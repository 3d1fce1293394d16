import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { ClusterNames, isProtocolName, type NameOwner } from "../dom0/cluster-names.js";
import type { HaRecord } from "./ha-records.js";
import { leaseKey, parseLease } from "../contracts/lease.js";
import { clearUnendedTraces } from "./ha-trace-sweep.js";

/** How often the active scheduler reconciles the store with what the hosts run. */
export const RECONCILE_INTERVAL_MS = 5000;
/**
 * How often the reconcile lists every up host, its heartbeats' listVersion unchanged or not: the
 * safety net under the event-driven listing (a version that failed to move, a host that never sends one).
 */
export const RECONCILE_SWEEP_INTERVAL_MS = 60_000;

interface Running {
  host: HostEntry;
  domain: DomainInfo;
}

/**
 * Brings the durable records in line with what the hosts report (at start and every
 * RECONCILE_INTERVAL_MS, only while active):
 * - an HA record follows its guest to the host it runs on, as a List read since that host
 *   (re)appeared shows it; a record whose host is up and was just
 *   read but runs no such guest is dropped (the guest was destroyed or shut down on purpose while
 *   no scheduler watched: it must never come back); a record whose host was not read is kept for
 *   the HA restart, which follows the host's lease alone (ha-monitor.ts, docs/specs/ha.md §5);
 * - a name reservation follows its guest, is removed when its (uuid, host) runs nowhere, its
 *   host is up and read and the guest has no HA record (read again just before), and is kept
 *   while its host is down; a
 *   running guest without one gets one. The name of a guest with an HA record is HA's: a fenced
 *   guest keeps it until its restart moves it, and only a deliberate destroy frees it (§5).
 */
export async function reconcile(scheduler: Scheduler): Promise<void> {
  await scheduler.loadDisabledHosts();
  // The records first, the hosts after: a record moved meanwhile (an HA restart, a migration) then
  // names a guest the hosts' lists already show, and is never taken for stale.
  const records = await scheduler.ha.all();
  const reserved = await new ClusterNames(scheduler.options.store).all();
  const read = new Set<string>();
  const toList = hostsToList(scheduler, records, reserved);
  // Indexed: a for-of over the list in this async function made an iterator result per host.
  const upBefore = scheduler.view.upHosts();
  for (let index = 0; index < upBefore.length; index++) {
    const host = upBefore[index]!;
    if (toList(host) && (await scheduler.syncHost(host))) read.add(host.hostId);
  }
  const running = new Map<string, Running>();
  const moving = new Set<string>();
  // Only hosts listed since they (re)appeared: one back from the dead still shows what it ran
  // before, until a List replaces it; counted, a record would follow its guest back to a host that
  // lost it, under that host's old epoch, which HA had already handled (VOPR seed 247 x 400).
  for (const host of scheduler.view.upHosts()) {
    if (!host.synced || host.domains.size === 0) continue;
    for (const domain of host.domains.values()) {
      if (isProtocolName(domain.name)) moving.add(domain.uuid);
      else running.set(domain.uuid, { host, domain });
    }
  }
  // A host read, then declared down before its guests were counted (its answer came late, from a
  // stall), is down: what it holds is kept (VOPR seed 17, two guests named dns).
  for (const hostId of read) if (scheduler.view.hosts.get(hostId)?.liveness !== "up") read.delete(hostId);
  const dropped = await reconcileHa(scheduler, records, running, moving, read);
  if (scheduler.ha.unended.size > 0)
    await clearUnendedTraces(scheduler, (uuid) => running.get(uuid)?.host.hostId, moving, read);
  const haUuids = new Set(records.filter((r) => !dropped.has(r.uuid)).map((r) => r.uuid));
  await reconcileNames(scheduler, reserved, running, moving, read, haUuids);
}

/**
 * Which up hosts this reconcile lists: all of them every RECONCILE_SWEEP_INTERVAL_MS; else those
 * whose domains may have changed since their last List (never listed since they appeared, or a
 * heartbeat's listVersion moved or missing), and those a record or a name says runs a guest the
 * view does not show there, or that run a guest without a name reservation: the hosts where the
 * reconcile may act. An unchanged host in line with the store would be listed for nothing: only
 * what a listed host reports frees a name or drops a record, so skipping one never does.
 */
function hostsToList(
  scheduler: Scheduler,
  records: readonly HaRecord[],
  reserved: ReadonlyMap<string, NameOwner>,
): (host: HostEntry) => boolean {
  const nowMs = scheduler.clock.nowMs();
  const last = scheduler.lastReconcileSweepMs;
  if (last === undefined || nowMs - last >= RECONCILE_SWEEP_INTERVAL_MS) {
    scheduler.lastReconcileSweepMs = nowMs;
    return () => true;
  }
  const flagged = new Set<string>();
  const expect = (hostId: string | undefined, uuid: string) => {
    if (hostId !== undefined && !scheduler.view.hosts.get(hostId)?.domains.has(uuid)) flagged.add(hostId);
  };
  for (const record of records) {
    expect(record.hostId, record.uuid);
    expect(record.migratingTo, record.uuid);
  }
  for (const holder of reserved.values()) expect(holder.hostId, holder.uuid);
  return (host) => {
    const version = host.reported.listVersion;
    if (!host.synced || version === undefined || version !== host.listedVersion) return true;
    if (flagged.has(host.hostId)) return true;
    if (host.domains.size === 0) return false;
    for (const domain of host.domains.values())
      if (!isProtocolName(domain.name) && !reserved.has(domain.name)) return true;
    return false;
  };
}

/**
 * Moves each record to where its guest runs; drops those a host that was read does not run.
 * Returns the uuids of the records dropped.
 */
async function reconcileHa(
  scheduler: Scheduler,
  records: readonly HaRecord[],
  running: ReadonlyMap<string, Running>,
  moving: ReadonlySet<string>,
  read: ReadonlySet<string>,
): Promise<Set<string>> {
  const dropped = new Set<string>();
  for (const record of records) {
    const found = running.get(record.uuid);
    if (found) {
      if (found.host.hostId !== record.hostId || found.domain.domid !== record.domid)
        await scheduler.ha.moved(record.uuid, found.host.hostId, found.domain.domid, found.host.leaseEpoch);
    } else if (!moving.has(record.uuid) && read.has(record.hostId) && (await dropStale(scheduler, record))) {
      dropped.add(record.uuid);
    }
  }
  return dropped;
}

async function dropStale(scheduler: Scheduler, record: HaRecord): Promise<boolean> {
  // Migrating: it may run on the destination, not read or not up (ha-restart.ts decides).
  if (record.migratingTo !== undefined) return false;
  // The lease epochs decide, HA on, off or not known yet (the first read of cluster.ha failed): a
  // guest lost with an older epoch while HA is off is down until HA is enabled again, which then
  // restarts it (docs/specs/ha.md §4 rule 1). Dropped at once with HA off, it came back or not
  // depending on whether HA was enabled before this reconcile read its host (VOPR --ha toggle,
  // seed 3 x 100).
  if (!(await staleTwice(scheduler, record))) return false;
  if (!(await scheduler.ha.forgetIfOn(record.uuid, record.hostId, record.domid))) return false;
  scheduler.log(
    `reconcile: dropped the HA record of ${record.name} (${record.uuid}): ${record.hostId} is up and runs no such guest`,
  );
  return true;
}

/**
 * A record is dropped only when two reconciles at least RECONCILE_INTERVAL_MS apart
 * found its guest gone from its host under the lease epoch the record names: the one the host
 * listed it under, equal to the epoch the host reports in this reconcile's List and to the one of
 * its lease read afresh from the statefile each time. A host that fenced or restarted (a new
 * epoch) lost the guest with its old epoch: HA restarts it (ha-restart.ts), it is not dropped. A
 * record without an epoch matches none: kept. Found by the VOPR (seed 15: the scheduler's view of
 * the epochs lagged a quick restart; seeds 58, 61, 71: a record written before the scheduler had
 * read the host's lease carried no epoch and was taken as matching the one after a fence).
 */
async function staleTwice(scheduler: Scheduler, record: HaRecord): Promise<boolean> {
  const entry = await scheduler.options.store.entry(leaseKey(record.hostId));
  const leaseEpoch = entry ? parseLease(entry.value)?.epoch : undefined;
  const listedEpoch = scheduler.view.hosts.get(record.hostId)?.leaseEpoch;
  const epoch = record.hostEpoch;
  const nowMs = scheduler.clock.nowMs();
  const seen = scheduler.staleHaRecords.get(record.uuid);
  if (epoch === undefined || leaseEpoch !== epoch || listedEpoch !== epoch) {
    scheduler.staleHaRecords.delete(record.uuid);
    return false;
  }
  if (seen?.epoch !== epoch) {
    scheduler.staleHaRecords.set(record.uuid, { epoch, sinceMs: nowMs });
    return false;
  }
  return nowMs - seen.sinceMs >= RECONCILE_INTERVAL_MS;
}

async function reconcileNames(
  scheduler: Scheduler,
  reserved: ReadonlyMap<string, NameOwner>,
  running: ReadonlyMap<string, Running>,
  moving: ReadonlySet<string>,
  read: ReadonlySet<string>,
  /**
   * Guests with an HA record when the reconcile began: their names stay (a free name tells HA
   * "destroyed on purpose"). A name about to be freed is checked against the store afresh too: a
   * guest created after that read (its name, then its record) and lost with its host before the
   * List has a record the snapshot missed (VOPR seed 439 x 400: dns created on h1 at 845.9 s, h1
   * killed and restarted at 848.1 s, the name freed at 849.5 s and HA took dns for destroyed).
   */
  haUuids: ReadonlySet<string>,
): Promise<void> {
  const names = new ClusterNames(scheduler.options.store);
  for (const [name, holder] of reserved) {
    const found = running.get(holder.uuid);
    if (found && found.domain.name === name) {
      if (found.host.hostId !== holder.hostId)
        await names.adopt(name, { uuid: holder.uuid, hostId: found.host.hostId });
    } else if (
      !moving.has(holder.uuid) &&
      !haUuids.has(holder.uuid) &&
      read.has(holder.hostId) &&
      (await scheduler.ha.get(holder.uuid)) === undefined &&
      (await names.release(name, holder))
    ) {
      scheduler.log(
        `reconcile: freed the name ${name}: ${holder.hostId} runs no guest ${holder.uuid} under it`,
      );
    }
  }
  for (const { host, domain } of running.values()) {
    if (reserved.has(domain.name) || !read.has(host.hostId)) continue;
    const outcome = await names.adopt(domain.name, { uuid: domain.uuid, hostId: host.hostId });
    if (outcome.kind === "held")
      scheduler.log(
        `reconcile: ${domain.name} runs as ${domain.uuid} on ${host.hostId} and as ${outcome.holder.uuid} on ${outcome.holder.hostId}: a duplicate name`,
      );
  }
}
