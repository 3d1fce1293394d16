/**
 * An HA guest's record in the state store, `ha.<uuid>` (docs/specs/state-store.md, ha.md §5): what
 * the scheduler needs to restart the guest when its host is lost. The scheduler keeps it
 * (services/scheduler/ha-records.ts); a host writes one field of it, `migratingTo`, before it
 * migrates a protected guest on its own (`xsim -H src migrate`, services/dom0/ha-migration-trace.ts).
 */
export interface HaRecord {
  uuid: string;
  name: string;
  hostId: string;
  domid: number;
  priority: "restart" | "best-effort";
  configJson: string;
  /**
   * The epoch of its host's lease when the host listed the guest (docs/specs/ha.md §5); absent
   * only before its first read there (or from a host without the statefile).
   */
  hostEpoch?: string;
  /** A migration to this host was started: the guest may run there or on hostId (§5). */
  migratingTo?: string;
  /**
   * The destination's lease epoch when the scheduler started the migration (its last List): a
   * destination that fenced or restarted under a new epoch since lost the guest if it had landed
   * there, and its restart round includes it (§5). Absent from a source host's own trace.
   */
  migratingToEpoch?: string;
}

/** Key prefix of the HA records. */
export const HA_RECORD_KEY_PREFIX = "ha.";

export function haRecordKey(uuid: string): string {
  return `${HA_RECORD_KEY_PREFIX}${uuid}`;
}

/**
 * The refusal of a migration of a protected guest while the store cannot be written, the same
 * whether the scheduler or the source host refuses it (XAPI's VM.pool_migrate needs the pool DB).
 * `writeOutcomeUnknown`: the store did not answer the record's write, which may have been applied
 * (the record may name the destination too: HA then checks one host more before a restart); the
 * guest did not move either way.
 */
export function haMigrationRefusal(name: string, why: string, writeOutcomeUnknown = false): string {
  const outcome = writeOutcomeUnknown
    ? "it was not migrated (its HA record may name the destination as well), try again"
    : "nothing was changed, try again";
  return `${name}: an HA-protected guest cannot be migrated while the cluster store is unreachable: HA would not know which host it runs on (${why}); ${outcome}`;
}
