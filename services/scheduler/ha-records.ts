import type { DomainInfo } from "../gen/xensim/v1/host.js";
import type { StateStore } from "../contracts/state-store.js";
import { parseConfig } from "./placement-adapter.js";
import type { HaRecord } from "../contracts/ha-record.js";

export type { HaRecord } from "../contracts/ha-record.js";

/**
 * The HA domains' configs, kept in the durable store under `ha.<uuid>` (XAPI keeps them in its
 * database): a host that dies cannot be asked for them any more.
 */
export class HaRecords {
  constructor(private readonly store: StateStore) {}

  /**
   * After reading a host's domain list: record or move every HA domain found there, with the lease
   * epoch the host listed it under (ListResponse.lease_epoch).
   */
  async noteHost(hostId: string, domains: readonly DomainInfo[], hostEpoch?: string): Promise<void> {
    for (const domain of domains) {
      const record = recordOf(domain, hostId, hostEpoch);
      if (!record) continue;
      const key = `ha.${domain.uuid}`;
      const text = await this.store.get(key);
      // Still on the source of a migration under way: the destination stays named.
      const before = text === undefined ? undefined : (JSON.parse(text) as HaRecord);
      if (before?.migratingTo !== undefined && before.hostId === hostId) {
        record.migratingTo = before.migratingTo;
        if (before.migratingToEpoch !== undefined) record.migratingToEpoch = before.migratingToEpoch;
      }
      if (text !== JSON.stringify(record)) await this.store.put(key, JSON.stringify(record));
    }
  }

  /**
   * Before a protected guest migrates: its record names the destination too, so that if the
   * store is unreachable when the migration ends, HA still knows both hosts it may run on
   * (docs/specs/ha.md §5), with the destination's lease epoch as its last List reported it.
   * Throws when the store cannot be written: the migration must not start.
   */
  async beginMigration(
    domain: DomainInfo,
    sourceHostId: string,
    destinationHostId: string,
    destinationEpoch?: string,
  ): Promise<void> {
    const fresh = recordOf(domain, sourceHostId);
    if (!fresh) return; // unprotected: migrates with the store unreachable too
    const { migratingToEpoch: _old, ...record } = (await this.get(domain.uuid)) ?? fresh;
    const epoch = destinationEpoch === undefined ? {} : { migratingToEpoch: destinationEpoch };
    const text = JSON.stringify({ ...record, migratingTo: destinationHostId, ...epoch });
    await this.store.put(`ha.${domain.uuid}`, text);
  }

  /** A migration that provably did not happen: the record names its host alone again. */
  async endMigration(uuid: string): Promise<void> {
    const record = await this.get(uuid);
    if (record?.migratingTo === undefined) return;
    const { migratingTo: _gone, migratingToEpoch: _epoch, ...rest } = record;
    await this.store.put(`ha.${uuid}`, JSON.stringify(rest));
  }

  /** A domain was destroyed on purpose on the host that owned it: no restart for it. */
  async forgetIfOn(uuid: string, hostId: string, domid: number): Promise<boolean> {
    const record = await this.get(uuid);
    if (!record || record.hostId !== hostId || record.domid !== domid) return false;
    await this.store.delete(`ha.${uuid}`);
    return true;
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
   */
  async moved(uuid: string, hostId: string, domid: number, hostEpoch?: string): Promise<void> {
    const record = await this.get(uuid);
    if (record) {
      const { hostEpoch: _old, migratingTo: _done, migratingToEpoch: _doneEpoch, ...rest } = record;
      const epoch = hostEpoch === undefined ? {} : { hostEpoch };
      await this.store.put(`ha.${uuid}`, JSON.stringify({ ...rest, hostId, domid, ...epoch }));
    }
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
