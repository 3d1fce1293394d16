import { HaHistory } from "./ha-history.js";

/** What the user was told about one domain they asked for. */
export type LedgerStatus =
  | "creating"
  | "created"
  | "create-failed"
  | "destroying"
  | "destroyed"
  | "destroy-failed"
  /** Not HA and its host died with it: lost, as the user saw the host die. */
  | "lost"
  /**
   * Not HA, and a migration of it ended `unknown` (migration-protocol.md rule 3): left paused on
   * the source as NAME--migratedaway for the admin, owed no run (unknown-handovers.ts).
   */
  | "handover-unknown"
  /**
   * Its host was declared dead (`xsim host-declare-dead`, docs/specs/ha.md §7) and the reply named
   * it halted, or its power state was reset (`xsim vm-reset-powerstate --force`, §8): owed no
   * run, never to run again; its name is free.
   */
  | "halted";

export interface LedgerEntry {
  name: string;
  uuid: string | undefined;
  ha: boolean;
  status: LedgerStatus;
  /** The checksum when the user paused it (or created it idle); it must not change while it lasts. */
  checksum: string | undefined;
  /** Times the scheduler's HA restarted it (a fresh guest each time). */
  restartCount: number;
}

/**
 * The user's side of the VOPR: every domain they asked for and what they were told, the checkers'
 * reference for "exists exactly once or the user was told it failed".
 */
export class Ledger {
  readonly entries: LedgerEntry[] = [];
  /** Host losses, creations and HA restarts of protected guests, as seen on the hosts. */
  readonly ha = new HaHistory();
  /** Uuids of every copy a killed host ran (the hosts' own view, told to the user or not yet). */
  private readonly killedUuids = new Set<string>();
  /** Hosts declared dead and the lease epoch each was declared dead under: nothing runs there under it. */
  readonly declaredDead: Array<{ hostId: string; leaseEpoch: string }> = [];
  /**
   * Hosts declared dead and so disabled (docs/specs/ha.md §7, as XAPI's), until the user's
   * `host-enable` of them is sent: no guest may be placed on them meanwhile, back or not.
   */
  readonly disabledAsDead = new Set<string>();

  add(name: string, ha: boolean): LedgerEntry {
    const entry: LedgerEntry = {
      name,
      uuid: undefined,
      ha,
      status: "creating",
      checksum: undefined,
      restartCount: 0,
    };
    this.entries.push(entry);
    return entry;
  }

  /**
   * A host was killed with these copies: a non-HA guest the user has is lost with it. So is one
   * whose create was still under way: the host had created it and its answer was on the wire, and
   * the user is told "created" after the host died (VOPR seed 98 x 400); see created().
   */
  noteKilled(uuids: Iterable<string>): void {
    for (const uuid of uuids) {
      this.killedUuids.add(uuid);
      const entry = this.byUuid(uuid);
      if (entry && !entry.ha && entry.status === "created") entry.status = "lost";
    }
  }

  /** The user was told the create placed the guest as uuid: created, or lost if its host died first. */
  created(entry: LedgerEntry, uuid: string): void {
    entry.uuid = uuid;
    entry.status = !entry.ha && this.killedUuids.has(uuid) ? "lost" : "created";
  }

  /**
   * The user was told these guests of a killed host are halted: the entries of those names that a
   * killed host ran or that this host lost (a fence: VOPR seed 28 --ha toggle, log fenced on h3,
   * h3 killed later and declared dead), the user still has (or lost with it), and that run nowhere
   * now (`runs`).
   */
  noteHalted(
    hostId: string,
    leaseEpoch: string,
    names: readonly string[],
    runs: (uuid: string) => boolean,
    disabled = true,
  ): void {
    this.declaredDead.push({ hostId, leaseEpoch });
    if (disabled) this.disabledAsDead.add(hostId);
    for (const entry of this.entries)
      if (
        names.includes(entry.name) &&
        (entry.status === "created" || entry.status === "lost") &&
        entry.uuid !== undefined &&
        (this.killedUuids.has(entry.uuid) || this.lostOn(hostId, entry.uuid)) &&
        !runs(entry.uuid)
      )
        entry.status = "halted";
  }

  /**
   * The user was told the guest's power state was reset to halted (a protected guest lost while HA
   * was off): owed no run from now on, unless it runs now (`runs`). Whether it was so marked.
   */
  noteReset(entry: LedgerEntry, runs: (uuid: string) => boolean): boolean {
    if (entry.status !== "created" || entry.uuid === undefined || runs(entry.uuid)) return false;
    entry.status = "halted";
    return true;
  }

  /** The user sends `host-enable`: from now on the host may take guests again. */
  noteEnabling(hostId: string): void {
    this.disabledAsDead.delete(hostId);
  }

  /** Whether `hostId` lost the protected guest `uuid` (killed with it, or fenced it). */
  private lostOn(hostId: string, uuid: string): boolean {
    return this.ha.losses.some((l) => l.hostId === hostId && l.guests.some((g) => g.uuid === uuid));
  }

  byUuid(uuid: string): LedgerEntry | undefined {
    return this.entries.find((e) => e.uuid === uuid);
  }

  /** Domains the user believes exist (told created, not destroyed). */
  live(): LedgerEntry[] {
    return this.entries.filter((e) => e.status === "created" || e.status === "destroy-failed");
  }

  /** Names the user may not reuse yet. */
  namesInUse(): Set<string> {
    return new Set(
      this.entries
        .filter((e) => !["create-failed", "destroyed", "lost", "halted"].includes(e.status))
        .map((e) => e.name),
    );
  }
}
