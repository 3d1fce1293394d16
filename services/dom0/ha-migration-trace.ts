import type { StateStore } from "../contracts/state-store.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { haMigrationRefusal, haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import type { DomainRecord } from "./toolstack.js";
import { NothingChangedError, ToolstackError } from "./errors.js";
import { isProtocolName } from "./cluster-names.js";
import { leaseKey, parseLease } from "../contracts/lease.js";

/** What a source does with its NAME--migratedaway after a handover whose outcome is unknown. */
export type UnknownHandoverOutcome = "wait" | "resume" | "destroy";

/** Compare-and-set rounds one trace write tries (the scheduler may write the record meanwhile). */
export const HA_TRACE_CAS_ATTEMPT_COUNT_MAX = 5;

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
  ) {}

  /** Writes `migratingTo`; whether it did (false: the guest is not protected). */
  async begin(record: DomainRecord, destinationHostId: string): Promise<boolean> {
    const fresh = this.recordOf(record);
    if (!fresh) return false;
    const key = haRecordKey(record.uuid);
    try {
      for (let attempt = 0; attempt < HA_TRACE_CAS_ATTEMPT_COUNT_MAX; attempt++) {
        const entry = await this.store.entry(key);
        const before = entry ? (JSON.parse(entry.value) as HaRecord) : undefined;
        // A record naming another host is stale: the guest runs here.
        const base = before?.hostId === this.hostId ? before : fresh;
        if (before?.hostId === this.hostId && before.migratingTo === destinationHostId) return true;
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
   * changed it since (best-effort, in the background; a trace left behind only makes HA check
   * one host more before a restart).
   */
  end(record: DomainRecord, destinationHostId: string): void {
    const key = haRecordKey(record.uuid);
    const clear = async (): Promise<void> => {
      const entry = await this.store.entry(key);
      if (!entry) return;
      const { migratingTo, ...rest } = JSON.parse(entry.value) as HaRecord;
      if (rest.hostId !== this.hostId || migratingTo !== destinationHostId) return;
      await this.store.update(key, JSON.stringify(rest), entry.revision);
    };
    clear().catch((error: unknown) =>
      this.log(
        `HA record of ${record.name} still names ${destinationHostId}: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
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
