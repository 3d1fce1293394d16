import type { StateStore } from "../contracts/state-store.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { haMigrationRefusal, haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import type { DomainRecord } from "./toolstack.js";
import { NothingChangedError, ToolstackError } from "./errors.js";
import { isProtocolName } from "./cluster-names.js";
import { leaseKey, parseLease } from "../contracts/lease.js";
import type { Clock } from "../core/clock.js";

/** What a source does with its NAME--migratedaway after a handover whose outcome is unknown. */
export type UnknownHandoverOutcome = "wait" | "resume" | "destroy";

/** Compare-and-set rounds one trace write tries (the scheduler may write the record meanwhile). */
export const HA_TRACE_CAS_ATTEMPT_COUNT_MAX = 5;
/**
 * How long a source waits to try again to clear a trace that the store did not let it clear
 * (unreachable: a broker outage), and how many tries it makes: 5 s apart (a KV request's timeout),
 * 10 minutes in all. Past that the trace stays, logged: it only makes HA check one host more.
 */
export const HA_TRACE_CLEAR_RETRY_DELAY_MS = 5000;
export const HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX = 120;

/** One trace being cleared (HaMigrationTrace.end): by identity, so a later end's clear is another. */
interface TraceClear {
  name: string;
  destinationHostId: string;
}

/**
 * The source's half of "a migration leaves a trace first" (docs/specs/ha.md §5), for every
 * migration the host runs, the scheduler's and a user's `xsim -H src migrate` alike: before any
 * page of a protected guest moves, its HA record `ha.<uuid>` names the destination
 * (`migratingTo`), so that a lost destination's HA restart round includes the guest even if the
 * store is unreachable when the migration commits. Refused (UNAVAILABLE, nothing changed) when the
 * store cannot be written, as the scheduler refuses, and as XAPI's VM.pool_migrate needs the pool
 * database. Unprotected guests leave no trace and migrate with the store unreachable too.
 */
export class HaMigrationTrace {
  constructor(
    private readonly store: StateStore,
    private readonly hostId: string,
    /** This boot's lease epoch, for a record the scheduler has not written yet (undefined: no HA keeper). */
    private readonly leaseEpoch: () => string | undefined,
    private readonly log: (line: string) => void,
    /** Whose timers pace the retries of a trace's clear (end); none: a clear is tried once. */
    private readonly clock?: Pick<Clock, "setTimer">,
  ) {}

  /** The traces this host is clearing (end), by guest uuid, until cleared or given up. */
  private readonly clearing = new Map<string, TraceClear>();

  /** Writes `migratingTo`; whether it did (false: the guest is not protected). */
  async begin(record: DomainRecord, destinationHostId: string): Promise<boolean> {
    const fresh = this.recordOf(record);
    if (!fresh) return false;
    const key = haRecordKey(record.uuid);
    // An earlier migration's trace still being cleared (end): ours is written over it all the same,
    // so that a clear whose compare-and-set is on its way (or lands late) loses to it, and never
    // takes away the trace of this migration; that clear stops at its next step.
    const overClear = this.clearing.delete(record.uuid);
    try {
      for (let attempt = 0; attempt < HA_TRACE_CAS_ATTEMPT_COUNT_MAX; attempt++) {
        const entry = await this.store.entry(key);
        const before = entry ? (JSON.parse(entry.value) as HaRecord) : undefined;
        // A record naming another host is stale: the guest runs here.
        const base = before?.hostId === this.hostId ? before : fresh;
        if (before?.hostId === this.hostId && before.migratingTo === destinationHostId && !overClear)
          return true;
        // The scheduler's destination epoch belongs to its own migration, not to this one.
        const { migratingToEpoch: _other, ...rest } = base;
        const text = JSON.stringify({ ...rest, migratingTo: destinationHostId });
        const written = entry
          ? await this.store.update(key, text, entry.revision)
          : await this.store.create(key, text);
        if (written !== undefined) return true;
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // A write the store did not answer may have been applied (the record may name the destination).
      const Refusal = error.writeOutcomeUnknown ? ToolstackError : NothingChangedError;
      throw new Refusal(
        "UNAVAILABLE",
        haMigrationRefusal(record.name, error.message, error.writeOutcomeUnknown),
      );
    }
    throw new ToolstackError("ABORTED", `the HA record of ${record.name} kept changing under us; try again`);
  }

  /**
   * A protected guest just created here: its HA record, with this boot's lease epoch, unless one
   * exists (the scheduler's, an HA restart's). Best-effort: the scheduler records it from the
   * host's List as well; this covers a guest fenced before any List (VOPR seed 196).
   */
  async created(record: DomainRecord): Promise<void> {
    const fresh = this.recordOf(record);
    if (!fresh) return;
    try {
      await this.store.create(haRecordKey(record.uuid), JSON.stringify(fresh));
    } catch (error) {
      this.log(
        `HA record of ${record.name} not written (${error instanceof Error ? error.message : String(error)}): the scheduler records it from our List`,
      );
    }
  }

  /**
   * A migration that provably failed: the record names this host alone again, unless someone
   * changed it since (in the background). A store that does not answer is tried again every
   * HA_TRACE_CLEAR_RETRY_DELAY_MS, up to HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX times, until a new
   * migration of the guest begins (it writes its own trace). Before, one failed write left the trace
   * for good: a guest running here alone that the record said may run on the destination too.
   */
  end(record: DomainRecord, destinationHostId: string): void {
    const clear: TraceClear = { name: record.name, destinationHostId };
    this.clearing.set(record.uuid, clear);
    void this.clearTrace(record.uuid, clear, 1);
  }

  /** One try of `clear` (the `attempt`th); another is timed when the store does not answer. */
  private async clearTrace(uuid: string, clear: TraceClear, attempt: number): Promise<void> {
    const key = haRecordKey(uuid);
    const current = () => this.clearing.get(uuid) === clear;
    try {
      const entry = await this.store.entry(key);
      // A new migration of the guest began meanwhile: its trace is not ours to clear.
      if (!current()) return;
      const { migratingTo, ...rest } = entry ? (JSON.parse(entry.value) as HaRecord) : ({} as HaRecord);
      let written: number | undefined;
      // Someone changed the record since (its compare-and-set lost): left to them, as always.
      if (entry && rest.hostId === this.hostId && migratingTo === clear.destinationHostId)
        written = await this.store.update(key, JSON.stringify(rest), entry.revision);
      if (current()) this.clearing.delete(uuid);
      if (attempt > 1 && written !== undefined)
        this.log(`HA record of ${clear.name} no longer names ${clear.destinationHostId}`);
    } catch (error) {
      if (!current()) return;
      const why = error instanceof Error ? error.message : String(error);
      if (this.clock === undefined || attempt >= HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX) {
        this.clearing.delete(uuid);
        this.log(`HA record of ${clear.name} still names ${clear.destinationHostId}: ${why}`);
        return;
      }
      if (attempt === 1)
        this.log(
          `HA record of ${clear.name} still names ${clear.destinationHostId}: ${why}; tried again every ${HA_TRACE_CLEAR_RETRY_DELAY_MS / 1000} s`,
        );
      this.clock.setTimer(
        HA_TRACE_CLEAR_RETRY_DELAY_MS,
        () => void this.clearTrace(uuid, clear, attempt + 1),
      );
    }
  }

  /**
   * A handover whose outcome is unknown (docs/specs/ha.md §5, "an unknown handover"): nothing is
   * decided while the destination's lease is not revoked. Once it is (the destination fenced or
   * died, so any copy it had is gone), the HA record decides: still naming this host, the trace is
   * cleared with compare-and-set and the source resumes its stand-in (HA restarts no guest whose
   * record's host runs a copy, its stand-in included); naming another host (HA restarted it, or a
   * List saw it commit on the destination and HA restarts it from there), the stand-in goes.
   * Throws StoreUnavailableError when the store cannot be read: the caller waits and asks again.
   */
  async settleUnknown(record: DomainRecord, destinationHostId: string): Promise<UnknownHandoverOutcome> {
    const lease = await this.store.entry(leaseKey(destinationHostId));
    if (!lease || parseLease(lease.value)?.state !== "revoked") return "wait";
    const key = haRecordKey(record.uuid);
    for (let attempt = 0; attempt < HA_TRACE_CAS_ATTEMPT_COUNT_MAX; attempt++) {
      const entry = await this.store.entry(key);
      // No record: HA cannot restart it, the stand-in is its last copy.
      if (!entry) return "resume";
      const { migratingTo, migratingToEpoch: _epoch, ...rest } = JSON.parse(entry.value) as HaRecord;
      if (rest.hostId !== this.hostId) return "destroy";
      if (migratingTo === undefined) return "resume";
      if ((await this.store.update(key, JSON.stringify(rest), entry.revision)) !== undefined) return "resume";
    }
    return "wait";
  }

  private recordOf(record: DomainRecord): HaRecord | undefined {
    const priority = record.config.xsim.ha;
    if (record.domid === 0 || priority === undefined || isProtocolName(record.name)) return undefined;
    const hostEpoch = this.leaseEpoch();
    return {
      uuid: record.uuid,
      name: record.name,
      hostId: this.hostId,
      domid: record.domid,
      priority,
      configJson: JSON.stringify(record.config),
      ...(hostEpoch === undefined ? {} : { hostEpoch }),
    };
  }
}
