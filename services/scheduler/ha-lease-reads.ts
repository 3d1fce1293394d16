import type { StatefileEntry } from "../contracts/statefile.js";
import { LEASE_KEY_PREFIX, parseLease, type LeaseValue } from "../contracts/lease.js";

/** One lease key as last read: the host it names, its text and what parseLease made of it. */
export interface LeaseRead {
  readonly key: string;
  readonly hostId: string;
  text: string;
  /** Undefined when the text is not a lease. */
  lease: LeaseValue | undefined;
  revision: number;
}

/** A lease key whose text is a lease. */
export type ParsedLeaseRead = LeaseRead & { lease: LeaseValue };

/**
 * The scheduler's last read of every lease, kept from read to read: 1,000 leases are read every
 * renew interval, and most are as they were (the same keys, in the same order; a third renewed
 * with HA off, the same text at a new revision). Such a read updates the records in place: no map,
 * record, host id or parse per lease and read, and the host ids stay the same strings, whose
 * hashes the maps keyed by them (observer, epochs) keep.
 */
export class LeaseReads {
  /** The last read's keys, in its order. */
  private reads: LeaseRead[] = [];
  /** Those of them that are leases, by host id, in the read's order. */
  private parsed = new Map<string, ParsedLeaseRead>();

  /**
   * Takes a read of every lease key (`entries`, in the store's order) and returns its leases by
   * host id in that order, as records that the next call updates: valid until then.
   */
  note(entries: ReadonlyMap<string, StatefileEntry>): ReadonlyMap<string, ParsedLeaseRead> {
    if (!this.sameKeys(entries)) return this.rebuild(entries);
    let parsedChanged = false;
    let index = 0;
    for (const entry of entries.values()) {
      const read = this.reads[index++]!;
      read.revision = entry.revision;
      if (read.text === entry.value) continue;
      const lease = parseLease(entry.value);
      if ((lease === undefined) !== (read.lease === undefined)) parsedChanged = true;
      read.text = entry.value;
      read.lease = lease;
    }
    if (parsedChanged) this.parsed = parsedOf(this.reads);
    return this.parsed;
  }

  /** Whether `entries` has the last read's keys in the same order. */
  private sameKeys(entries: ReadonlyMap<string, StatefileEntry>): boolean {
    if (entries.size !== this.reads.length) return false;
    let index = 0;
    for (const key of entries.keys()) if (this.reads[index++]!.key !== key) return false;
    return true;
  }

  /** A read with keys added, removed or in another order: new records (a text seen before is not parsed again). */
  private rebuild(entries: ReadonlyMap<string, StatefileEntry>): ReadonlyMap<string, ParsedLeaseRead> {
    const before = new Map(this.reads.map((read) => [read.key, read]));
    this.reads = [];
    for (const [key, entry] of entries) {
      const known = before.get(key);
      this.reads.push({
        key,
        hostId: known?.hostId ?? key.slice(LEASE_KEY_PREFIX.length),
        text: entry.value,
        lease: known?.text === entry.value ? known.lease : parseLease(entry.value),
        revision: entry.revision,
      });
    }
    this.parsed = parsedOf(this.reads);
    return this.parsed;
  }
}

function parsedOf(reads: readonly LeaseRead[]): Map<string, ParsedLeaseRead> {
  const parsed = new Map<string, ParsedLeaseRead>();
  for (const read of reads) if (isParsed(read)) parsed.set(read.hostId, read);
  return parsed;
}

function isParsed(read: LeaseRead): read is ParsedLeaseRead {
  return read.lease !== undefined;
}
