import type { DomainInfo } from "../gen/xensim/v1/host.js";
import type { StateStore } from "../contracts/state-store.js";
import { parseConfig } from "./placement-adapter.js";
import { haRecordKey, type HaRecord } from "../contracts/ha-record.js";

export type { HaRecord } from "../contracts/ha-record.js";

/**
 * Compare-and-set rounds one record write tries: a host writes `migratingTo` into the same record
 * (services/dom0/ha-migration-trace.ts), with compare-and-set too, and other scheduler paths run
 * concurrently. Past it the write is given up with an error (the next round writes again).
 */
export const HA_RECORD_CAS_ATTEMPT_COUNT_MAX = 5;

/** HaRecords.noteHost's answer when nothing is protected: settled, shared. */
const NOTHING_NOTED: Promise<void> = Promise.resolve();

/** What to write given the record as stored now; undefined: leave it as it is. */
type RecordChange = (before: HaRecord | undefined) => HaRecord | undefined;

/**
 * The HA domains' configs, kept in the durable store under `ha.<uuid>` (XAPI keeps them in its
 * database): a host that dies cannot be asked for them any more.
 */
export class HaRecords {
  constructor(private readonly store: StateStore) {}

  /**
   * Migrations that provably did not happen whose trace this scheduler could not clear (the store
   * unreachable): guest uuid -> destination, until cleared (ha-trace-sweep.ts, at each reconcile)
   * or a new migration of the guest begins. Bounded by the guests: one entry per guest.
   */
  readonly unended = new Map<string, string>();

  /**
   * After reading a host's domain list: record or move every HA domain found there, with the lease
   * epoch the host listed it under (ListResponse.lease_epoch).
   */
  noteHost(hostId: string, domains: readonly DomainInfo[], hostEpoch?: string): Promise<void> {
    const records: HaRecord[] = [];
    for (const domain of domains) {
      const record = recordOf(domain, hostId, hostEpoch);
      if (record) records.push(record);
    }
    // None protected (an idle host, listed by every sweep): a settled promise, awaited in the one
    // step an async function's would take, without one's promise and state.
    return records.length === 0 ? NOTHING_NOTED : this.noteRecords(hostId, records);
  }

  private async noteRecords(hostId: string, records: readonly HaRecord[]): Promise<void> {
    for (const record of records) {
      await this.change(record.uuid, (before) => {
        // Still on the source of a migration under way: the destination stays named.
        if (before?.migratingTo === undefined || before.hostId !== hostId) return record;
        const epoch =
          before.migratingToEpoch === undefined ? {} : { migratingToEpoch: before.migratingToEpoch };
        return { ...record, migratingTo: before.migratingTo, ...epoch };
      });
    }
  }

  /**
   * Before a protected guest migrates: its record names the destination too, so that if the
   * store is unreachable when the migration ends, HA still knows both hosts it may run on
   * (docs/specs/ha.md §5), with the destination's lease epoch as its last List reported it.
   * Never replaces another migration's trace: only the source knows whether that one still runs
   * (it refuses a second, or writes its own trace over one that ended). Returns the destination
   * of such a migration, the record left as it was; undefined when written (or unprotected).
   * A record behind the guest (another host, no migration or the one that brought the guest to
   * the source) moves to the source, with `sourceEpoch`, as the source's List would move it.
   * Throws when the store cannot be written: the migration must not start.
   */
  async beginMigration(
    domain: DomainInfo,
    sourceHostId: string,
    destinationHostId: string,
    destinationEpoch?: string,
    sourceEpoch?: string,
  ): Promise<string | undefined> {
    const fresh = recordOf(domain, sourceHostId, sourceEpoch);
    if (!fresh) return undefined; // unprotected: migrates with the store unreachable too
    // A trace this scheduler could not clear: ours is written over it, even when the same (a
    // revision that moves), so that the sweep's compare-and-set of that one (ha-trace-sweep.ts),
    // on its way now, loses and never takes away this migration's trace.
    const unended = this.unended.get(domain.uuid);
    this.unended.delete(domain.uuid);
    const trace = {
      migratingTo: destinationHostId,
      ...(destinationEpoch === undefined ? {} : { migratingToEpoch: destinationEpoch }),
    };
    let other: string | undefined;
    await this.change(
      domain.uuid,
      (before) => {
        const pending = before?.migratingTo;
        // The migration that brought the guest to the source (or none) on the source's own record, or
        // to the same destination on it: ours to write. Any other is the source's to decide.
        const onSource = before?.hostId === sourceHostId;
        other =
          pending === undefined || pending === (onSource ? destinationHostId : sourceHostId)
            ? undefined
            : pending;
        if (other !== undefined) return undefined;
        if (!before || !onSource) return { ...fresh, ...trace };
        const { migratingToEpoch: _old, ...record } = before;
        return { ...record, ...trace };
      },
      unended !== undefined,
    );
    // Left as it is: the trace that could not be cleared, if it is that one, still is to be.
    if (other !== undefined && other === unended) this.unended.set(domain.uuid, unended);
    return other;
  }

  /**
   * A migration that provably did not happen: the record names its host alone again, unless it
   * names another migration by now (one the source host started itself: left as it is).
   */
  async endMigration(uuid: string, destinationHostId: string): Promise<void> {
    try {
      await this.clearTrace(uuid, destinationHostId);
      if (this.unended.get(uuid) === destinationHostId) this.unended.delete(uuid);
    } catch (error) {
      this.unended.set(uuid, destinationHostId);
      throw error;
    }
  }

  /**
   * The trace to `destinationHostId` cleared, if the record names it and `hostId` (undefined: any
   * host), and `still()` holds as the record is read (a migration begun meanwhile ends it): whether
   * it was written.
   */
  clearTrace(uuid: string, destinationHostId: string, hostId?: string, still = () => true): Promise<boolean> {
    return this.change(uuid, (before) => {
      if (before?.migratingTo !== destinationHostId || !still()) return undefined;
      if (hostId !== undefined && before.hostId !== hostId) return undefined;
      const { migratingTo: _gone, migratingToEpoch: _epoch, ...rest } = before;
      return rest;
    });
  }

  /** A domain was destroyed on purpose on the host that owned it: no restart for it. */
  async forgetIfOn(uuid: string, hostId: string, domid: number): Promise<boolean> {
    const key = haRecordKey(uuid);
    for (let attempt = 0; attempt < HA_RECORD_CAS_ATTEMPT_COUNT_MAX; attempt++) {
      const entry = await this.store.entry(key);
      const record = entry ? (JSON.parse(entry.value) as HaRecord) : undefined;
      if (!entry || record?.hostId !== hostId || record.domid !== domid) return false;
      // Only the record read: one moved to another host meanwhile is not this guest's to drop.
      if (await this.store.remove(key, entry.revision)) return true;
    }
    throw new Error(`the HA record ${key} kept changing while it was removed; not removed`);
  }

  /** Every record (the reconcile compares them with what the hosts run). */
  async all(): Promise<HaRecord[]> {
    const records: HaRecord[] = [];
    for (const key of await this.store.keys("ha.")) {
      const record = await this.get(key.slice(3));
      if (record) records.push(record);
    }
    return records;
  }

  async get(uuid: string): Promise<HaRecord | undefined> {
    const text = await this.store.get(`ha.${uuid}`);
    return text ? (JSON.parse(text) as HaRecord) : undefined;
  }

  async onHost(hostId: string): Promise<HaRecord[]> {
    const records: HaRecord[] = [];
    for (const key of await this.store.keys("ha.")) {
      const record = await this.get(key.slice(3));
      if (record?.hostId === hostId || record?.migratingTo === hostId) records.push(record);
    }
    return records.sort((a, b) => priorityRank(a) - priorityRank(b) || a.name.localeCompare(b.name));
  }

  /**
   * The guest runs on `hostId` now. `hostEpoch`: that host's lease epoch as its last List reported
   * it; its next read notes the one the guest runs under. One older than that only costs a check
   * at restart; a record without one is never taken for "same epoch" (docs/specs/ha.md §5).
   * `fromHostId`: the source of the migration that brought it there; the record moves only from
   * that host (or is on `hostId` already).
   */
  async moved(
    uuid: string,
    hostId: string,
    domid: number,
    hostEpoch?: string,
    lost?: { hostId: string; epoch: string },
    fromHostId?: string,
  ): Promise<void> {
    await this.change(uuid, (before) => {
      if (!before) return undefined;
      // A migration from `fromHostId` ended: a record on a third host was moved by something later.
      if (fromHostId !== undefined && before.hostId !== fromHostId && before.hostId !== hostId)
        return undefined;
      const { hostEpoch: _old, migratingTo, migratingToEpoch, ...rest } = before;
      const epoch = hostEpoch === undefined ? {} : { hostEpoch };
      // A trace to a host under the epoch it lost (an HA restart's `lost`) is over: no copy is there.
      const traceLost = lost !== undefined && migratingTo === lost.hostId && migratingToEpoch === lost.epoch;
      // A migration from that host, started since (its own trace, or ours): it stays named.
      const stillMigrating =
        !traceLost && before.hostId === hostId && migratingTo !== undefined && migratingTo !== hostId
          ? { migratingTo, ...(migratingToEpoch === undefined ? {} : { migratingToEpoch }) }
          : {};
      return { ...rest, hostId, domid, ...epoch, ...stillMigrating };
    });
  }

  /**
   * Read-modify-write of `ha.<uuid>` with compare-and-set on the revision read (created when
   * absent): on a conflict it reads again and asks `next` again, so that a `migratingTo` another
   * writer put in meanwhile is never overwritten by a record read before it. Whether it wrote.
   * `rewrite`: written even when unchanged (its revision moves: a compare-and-set at the one
   * before fails).
   */
  private async change(uuid: string, next: RecordChange, rewrite = false): Promise<boolean> {
    const key = haRecordKey(uuid);
    for (let attempt = 0; attempt < HA_RECORD_CAS_ATTEMPT_COUNT_MAX; attempt++) {
      const entry = await this.store.entry(key);
      const after = next(entry ? (JSON.parse(entry.value) as HaRecord) : undefined);
      if (after === undefined) return false;
      const text = JSON.stringify(after);
      if (text === entry?.value && !rewrite) return false;
      const written = entry
        ? await this.store.update(key, text, entry.revision)
        : await this.store.create(key, text);
      if (written !== undefined) return true;
    }
    throw new Error(
      `the HA record ${key} kept changing while it was written (${HA_RECORD_CAS_ATTEMPT_COUNT_MAX} compare-and-set attempts); not written`,
    );
  }
}

/** The record of a protected guest seen on `hostId`; undefined for others and migration stand-ins. */
function recordOf(domain: DomainInfo, hostId: string, hostEpoch?: string): HaRecord | undefined {
  if (domain.domid === 0) return undefined;
  const config = parseConfig(domain.configJson);
  if (!config?.xsim.ha || domain.name.endsWith("--incoming") || domain.name.endsWith("--migratedaway"))
    return undefined;
  return {
    uuid: domain.uuid,
    name: domain.name,
    hostId,
    domid: domain.domid,
    priority: config.xsim.ha,
    configJson: domain.configJson,
    ...(hostEpoch === undefined ? {} : { hostEpoch }),
  };
}

function priorityRank(record: HaRecord): number {
  return record.priority === "restart" ? 0 : 1;
}
