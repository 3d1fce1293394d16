/**
 * How a host lost its protected guests: killed with them, or its fence destroyed them; or
 * `dropped`: a migration's stand-in (NAME--incoming, NAME--migratedaway) that was the guest's last
 * copy ended (fenced, or destroyed by a destination whose source was gone) with no other copy left
 * that may run (VOPR seed 129 x 800).
 */
export type LossCause = "killed" | "fenced" | "dropped";

/** One protected guest (a primary copy) that a host loss took. */
export interface LostGuest {
  uuid: string;
  name: string;
  /**
   * Fenced while other hosts held only a migration's stand-in of it that may still run
   * (NAME--incoming or NAME--migratedaway): the guest is not lost yet, and the loss of that
   * stand-in before any restart is the same loss (VOPR seed 524 x 400).
   */
  standInElsewhere?: boolean;
}

/** One host loss: the host, when, how, and the protected guests it ran then. */
export interface HostLoss {
  hostId: string;
  atMs: number;
  cause: LossCause;
  guests: LostGuest[];
}

/**
 * One HA restart: a guest created again under a uuid that was created before; or (`resumed`) a
 * migration's source that resumed its paused stand-in once the lost destination's lease was
 * revoked (docs/specs/ha.md §5, an unknown handover): the copy the destination took died with it.
 */
export interface HaRestart {
  uuid: string;
  name: string;
  hostId: string;
  atMs: number;
  resumed?: boolean;
}

/**
 * What happened to the protected guests, as the VOPR saw it on the hosts: every host loss with the
 * guests it took, every creation and every restart. The reference for "an HA domain whose host
 * died is restarted once" (checkers.ts checkRestartsPerLoss).
 */
export class HaHistory {
  readonly losses: HostLoss[] = [];
  readonly restarts: HaRestart[] = [];
  private readonly created = new Set<string>();

  /** A host was killed, or fenced a guest; fences of one host at one instant are one loss. */
  noteLoss(hostId: string, atMs: number, cause: LossCause, guests: readonly LostGuest[]): void {
    const last = this.losses.at(-1);
    if (cause === "fenced" && last?.cause === "fenced" && last.hostId === hostId && last.atMs === atMs) {
      last.guests.push(...guests);
      return;
    }
    this.losses.push({ hostId, atMs, cause, guests: [...guests] });
  }

  /** A guest was created; true when its uuid was created before (an HA restart). */
  noteCreated(uuid: string, name: string, hostId: string, atMs: number): boolean {
    if (!this.created.has(uuid)) {
      this.created.add(uuid);
      return false;
    }
    this.restarts.push({ uuid, name, hostId, atMs });
    return true;
  }

  /**
   * A source renamed its NAME--migratedaway back to NAME: a recovery when a host loss of the guest
   * is not yet matched by one (its destination died with the copy it took); else a plain rollback.
   */
  noteResumed(uuid: string, name: string, hostId: string, atMs: number): boolean {
    const lossCount = this.lossCount(uuid);
    const recoveryCount = this.restarts.filter((restart) => restart.uuid === uuid).length;
    if (recoveryCount >= lossCount) return false;
    this.restarts.push({ uuid, name, hostId, atMs, resumed: true });
    return true;
  }

  /**
   * How many times the guest was lost: its host losses, but a loss that follows one marked
   * standInElsewhere with no restart between is the same loss (the stand-in that outlived the
   * fence died too, before HA restarted the guest); and so is a stand-in's end (`dropped`) after
   * any loss with no restart between: the guest was gone already, and a migration's destination
   * that made NAME--incoming after its source died drops a copy of a lost guest (VOPR seed 1230 x
   * 400: h2, stalled, took the Prepare of cache from h1 after h1 was killed, and dropped it 4 s later).
   */
  lossCount(uuid: string): number {
    let count = 0;
    let previous: { atMs: number; standInElsewhere: boolean } | undefined;
    for (const loss of this.losses) {
      const guest = loss.guests.find((g) => g.uuid === uuid);
      if (!guest) continue;
      const restartedBetween =
        previous !== undefined &&
        this.restarts.some((r) => r.uuid === uuid && r.atMs >= previous!.atMs && r.atMs <= loss.atMs);
      const sameLoss =
        previous !== undefined &&
        !restartedBetween &&
        (previous.standInElsewhere || loss.cause === "dropped");
      if (!sameLoss) count++;
      previous = { atMs: loss.atMs, standInElsewhere: guest.standInElsewhere === true };
    }
    return count;
  }

  /** Per guest (uuid): its losses (host, time, cause) and its restarts, in order. */
  byGuest(): Map<string, { losses: HostLoss[]; restarts: HaRestart[] }> {
    const found = new Map<string, { losses: HostLoss[]; restarts: HaRestart[] }>();
    const of = (uuid: string) => {
      const entry = found.get(uuid) ?? { losses: [], restarts: [] };
      found.set(uuid, entry);
      return entry;
    };
    for (const loss of this.losses) for (const guest of loss.guests) of(guest.uuid).losses.push(loss);
    for (const restart of this.restarts) of(restart.uuid).restarts.push(restart);
    return found;
  }
}
