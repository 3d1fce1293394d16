import type { Scheduler } from "./scheduler.js";
import type { HaRecord } from "./ha-records.js";
import { ClusterNames } from "../dom0/cluster-names.js";

/** What became of a host's guests when it was declared dead (declare-dead.ts). */
export interface FreedGuests {
  /** Declared halted: names and HA records freed. */
  halted: string[];
  /** Protected, with HA on: HA restarts them (ha-restart.ts), once. */
  restarting: string[];
  /** Found on another host (a migration that completed): left to the reconcile, as `NAME on H`. */
  elsewhere: string[];
}

/**
 * Halts the guests of a host whose lease is revoked as declared dead (docs/specs/ha.md §7): first
 * the HA records (compare-and-set each, HaRecords), then every name it holds (compare-and-set at
 * the holder read, ClusterNames.release), so that a scheduler that crashes between two writes
 * leaves records and names that the next host-declare-dead frees, and never a record without its
 * name (which HA would take for a guest destroyed on purpose: the same outcome, halted). With HA
 * on the protected guests keep both: HA restarts them. A guest found on another host keeps both
 * too. Writes nothing when nothing is left.
 */
export async function freeDeclaredGuests(
  scheduler: Scheduler,
  hostId: string,
  haOn: boolean,
  /**
   * Filled as it goes: when a write fails part way (the store unreachable), what was done so far,
   * for the caller to tell (a guest whose record is gone is halted, whatever happens to its name).
   */
  freed: FreedGuests = { halted: [], restarting: [], elsewhere: [] },
): Promise<FreedGuests> {
  const names = new ClusterNames(scheduler.options.store);
  const kept = new Set<string>();
  for (const record of await scheduler.ha.onHost(hostId)) {
    if (record.hostId !== hostId) {
      // Only a migration to the dead host names it: the guest is its source's. With HA on, HA's
      // restart round looks at both ends (§5); with HA off, no copy can be on the dead host.
      if (!haOn) await scheduler.ha.endMigration(record.uuid, hostId);
      continue;
    }
    kept.add(record.uuid);
    if (haOn) {
      freed.restarting.push(record.name);
      continue;
    }
    const other = await hostRunning(scheduler, record, hostId);
    if (other !== undefined) {
      freed.elsewhere.push(`${record.name} on ${other}`);
      continue;
    }
    if (await halt(scheduler, names, record, freed)) kept.delete(record.uuid);
  }
  await freeNames(scheduler, hostId, kept, freed);
  freed.halted.sort();
  return freed;
}

/**
 * A protected guest of the dead host, HA off: its record dropped, then its name released, each
 * with compare-and-set. Halted only when its name was still the dead host's (or free): an HA
 * restart begun meanwhile (HA switched on since the setting was read) moves the name before its
 * create, and then the guest is HA's (reported so), never told halted while it runs. Whether the
 * record is gone (its name is freed with the others, freeNames).
 */
async function halt(
  scheduler: Scheduler,
  names: ClusterNames,
  record: HaRecord,
  freed: FreedGuests,
): Promise<boolean> {
  const owner = { uuid: record.uuid, hostId: record.hostId };
  const held = await names.holding(record.name);
  if (held !== undefined && held.holder.uuid === record.uuid && held.holder.hostId !== record.hostId) {
    freed.elsewhere.push(`${record.name} on ${held.holder.hostId}`);
    return false;
  }
  if (!(await scheduler.ha.forgetIfOn(record.uuid, record.hostId, record.domid))) return false;
  const ours = held !== undefined && held.holder.uuid === record.uuid;
  let released: boolean;
  try {
    released = !ours || (await names.release(record.name, owner));
  } catch (error) {
    // Its record is gone: HA will never restart it; halted (the next call frees its name).
    freed.halted.push(record.name);
    throw error;
  }
  if (released) freed.halted.push(record.name);
  else freed.restarting.push(record.name);
  return true;
}

/** Every name the dead host holds, but those of guests kept and of guests found elsewhere. */
async function freeNames(
  scheduler: Scheduler,
  hostId: string,
  kept: ReadonlySet<string>,
  freed: FreedGuests,
): Promise<void> {
  const names = new ClusterNames(scheduler.options.store);
  for (const [name, holder] of await names.all()) {
    if (holder.hostId !== hostId || kept.has(holder.uuid)) continue;
    const running = scheduler.view.findGuest(holder.uuid);
    if (running !== undefined && running.host.hostId !== hostId) {
      freed.elsewhere.push(`${name} on ${running.host.hostId}`);
      continue;
    }
    // A record written since the records were read (a host's own, HaMigrationTrace.created): its
    // guest is HA's to judge; a second host-declare-dead halts it.
    if ((await scheduler.ha.get(holder.uuid)) !== undefined) continue;
    if ((await names.release(name, holder)) && !freed.halted.includes(name)) freed.halted.push(name);
  }
}

/**
 * Another host that runs the guest, or may: the view shows it there, or the record names a
 * migration to a host that, read afresh, runs it or cannot be read (left as it is: the reconcile
 * or a second host-declare-dead decides once that host is read). Undefined: none.
 */
async function hostRunning(
  scheduler: Scheduler,
  record: HaRecord,
  deadHostId: string,
): Promise<string | undefined> {
  const running = scheduler.view.findGuest(record.uuid);
  if (running !== undefined && running.host.hostId !== deadHostId) return running.host.hostId;
  const to = record.migratingTo;
  if (to === undefined || to === deadHostId) return undefined;
  const host = scheduler.view.hosts.get(to);
  if (host?.liveness !== "up" || !(await scheduler.syncHost(host))) return `${to} (not read)`;
  return host.domains.has(record.uuid) ? to : undefined;
}
