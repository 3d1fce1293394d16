import type { DomainRecord, Toolstack } from "../dom0/toolstack.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";

/** What HA does to a host's guests (docs/specs/ha.md §4): only to those it would restart elsewhere. */
export interface HaGuests {
  /** Pauses the protected guests that run; remembers which, for release. */
  hold(): string[];
  /** Unpauses what hold paused. */
  release(): string[];
  /**
   * Destroys every protected and best-effort guest; unprotected ones keep running, unless
   * `which` is "every guest": the host was declared dead (docs/specs/ha.md §7), and every guest
   * it ran was declared halted, its name freed for others.
   */
  fence(which?: FenceScope): string[];
}

/** What a fence destroys: the protected guests (HA's fence), or every guest (a host declared dead). */
export type FenceScope = "protected" | "every guest";

/** Whether HA would restart this guest elsewhere (xsim_ha = restart | best-effort). */
export function isProtected(record: DomainRecord): boolean {
  return record.domid !== 0 && record.config.xsim.ha !== undefined;
}

/** What the refusals below ask of the host's lease (LeaseKeeper.unpauseRefusal). */
export interface HeldLease {
  unpauseRefusal(): string | undefined;
}

/**
 * A user's unpause of a protected guest while its host holds its guests or its lease is
 * unconfirmed (docs/specs/ha.md §4 rule 8): refused UNAVAILABLE, nothing changed. HA may restart
 * the guest elsewhere meanwhile; the copy here runs again only once the host renews its lease.
 */
export function refuseUnpauseWhileHeld(lease: HeldLease, record: DomainRecord, hostId: string): void {
  refuseWhileHeld(
    lease,
    record,
    `unpaused on host ${hostId}`,
    "it stays paused (it runs here again only once",
  );
}

/**
 * A migration of a protected guest out of a host that holds its guests or whose lease is
 * unconfirmed (docs/specs/ha.md §4 rule 9), asked when it starts and again before the handover:
 * refused UNAVAILABLE, the guest stays here. HA may be restarting it elsewhere: a copy handed over
 * now would be a second one (VOPR seed 362, an evacuation of a host whose lease was just revoked).
 */
export function refuseMigrationWhileHeld(lease: HeldLease, record: DomainRecord, hostId: string): void {
  refuseWhileHeld(lease, record, `migrated off host ${hostId}`, "it stays on this host (it can move once");
}

/**
 * A user's destroy (or a shutdown that ends the guest) of a protected guest on a host that holds
 * its guests or whose lease is unconfirmed (docs/specs/ha.md §4 rule 10): refused UNAVAILABLE, the
 * guest stays here. HA may have restarted it elsewhere meanwhile: the user would be told
 * "destroyed" while the guest runs on (VOPR seed 182, a destroy carried out by a stalled host
 * that woke holding the guest after HA had restarted it on another host).
 */
export function refuseUserEndWhileHeld(lease: HeldLease, record: DomainRecord, hostId: string): void {
  const cannotBe = `destroyed or shut down on host ${hostId}`;
  const refusal = heldRefusal(lease, record, cannotBe, "it stays on this host (end it again once");
  // Nothing changed, yet not a NothingChangedError for now: the VOPR's ledger would then keep the
  // guest as created (it must run) instead of destroy-failed, which moves the paths its regression
  // seeds 31, 98, 38, 192 and 182 pin; to change together with re-pinning them.
  if (refusal) throw new ToolstackError("UNAVAILABLE", refusal);
}

function refuseWhileHeld(lease: HeldLease, record: DomainRecord, cannotBe: string, stays: string): void {
  const refusal = heldRefusal(lease, record, cannotBe, stays);
  if (refusal) throw new NothingChangedError("UNAVAILABLE", refusal);
}

function heldRefusal(lease: HeldLease, record: DomainRecord, cannotBe: string, stays: string) {
  if (!isProtected(record)) return undefined;
  const why = lease.unpauseRefusal();
  if (!why) return undefined;
  return (
    `${record.name}: an HA-protected guest cannot be ${cannotBe} now: ${why}; nothing was changed, ` +
    `${stays} the host renews its lease; if the lease was revoked, HA restarts it on another host)`
  );
}

export class ToolstackHaGuests implements HaGuests {
  private held = new Set<DomainRecord>();

  constructor(private readonly toolstack: Toolstack) {}

  hold(): string[] {
    const names: string[] = [];
    for (const record of this.toolstack.records.values()) {
      if (!isProtected(record) || this.held.has(record) || record.name.endsWith("--incoming")) continue;
      const domain = this.toolstack.hypervisor.domain(record.domid);
      if (!domain || domain.paused) continue;
      try {
        this.toolstack.pause(String(record.domid));
        this.held.add(record);
        names.push(record.name);
      } catch {
        // A guest in migration stays with the migration, which commits through its own handshake.
      }
    }
    return names;
  }

  release(): string[] {
    const names: string[] = [];
    for (const record of this.held) {
      if (this.toolstack.records.get(record.domid) !== record) continue;
      try {
        this.toolstack.resumeDomain(String(record.domid));
        names.push(record.name);
      } catch {
        // Gone or migrating meanwhile: nothing to give back.
      }
    }
    this.held = new Set();
    return names;
  }

  fence(which: FenceScope = "protected"): string[] {
    const fenced = [...this.toolstack.records.values()].filter((record) =>
      which === "every guest" ? record.domid !== 0 : isProtected(record),
    );
    // "fenced", not "destroyed": the scheduler keeps the HA record to restart it.
    for (const record of fenced) this.toolstack.fence(record);
    this.held = new Set();
    return fenced.map((record) => record.name);
  }
}
