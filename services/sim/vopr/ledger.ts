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
  | "lost";

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
        .filter((e) => !["create-failed", "destroyed", "lost"].includes(e.status))
        .map((e) => e.name),
    );
  }
}
