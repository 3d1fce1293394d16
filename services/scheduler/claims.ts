import type { Heartbeat } from "../contracts/heartbeat.js";

/**
 * Heartbeats after the one last seen when a placement finished that a claim outlives when the
 * host's domain event for it never arrived: the next one may have been sent before the host took
 * the domain (NATS and gRPC are not ordered with each other); the one after was sent at least an
 * interval later.
 */
export const CLAIM_HEARTBEAT_COUNT = 2;

interface Claim {
  memoryKib: number;
  vcpus: number;
  /** The domain placed, when known: its "created" event settles the claim exactly. */
  uuid: string | undefined;
  /** The first heartbeat sequence that reflects the placement; undefined while it is under way. */
  untilSequence: number | undefined;
}

/** A placement the scheduler made on a host, counted against it until the host reports it. */
export interface PlacementClaim {
  /** The placement happened: count it until the host's heartbeats show it. */
  settle(): void;
  /** The placement did not happen: stop counting it. */
  release(): void;
}

/**
 * The domains placed on one host that its heartbeats may not show yet (Nova's
 * HostState.consume_from_request): without them, placements between two heartbeats all see the
 * same free memory and overcommit the host.
 */
export class HostClaims {
  private readonly claims = new Set<Claim>();

  add(memoryKib: number, vcpus: number, uuid?: string): Claim {
    const claim: Claim = { memoryKib, vcpus, uuid, untilSequence: undefined };
    this.claims.add(claim);
    return claim;
  }

  settle(claim: Claim, sequenceSeen: number): void {
    if (this.claims.has(claim) && claim.untilSequence === undefined)
      claim.untilSequence = sequenceSeen + CLAIM_HEARTBEAT_COUNT;
  }

  /**
   * The host announced the domain (its "created" event, NAME--incoming for a migration). Heartbeats
   * and events leave the host on one NATS connection, in order: the last heartbeat seen was built
   * before the domain existed, every later one counts it. So the claim ends with the next one —
   * not two heartbeats later, which counted the domain twice meanwhile.
   */
  hostHas(uuid: string, sequenceSeen: number): void {
    for (const claim of this.claims) {
      if (claim.uuid !== uuid) continue;
      const until = sequenceSeen + 1;
      claim.untilSequence = claim.untilSequence === undefined ? until : Math.min(claim.untilSequence, until);
    }
  }

  remove(claim: Claim): void {
    this.claims.delete(claim);
  }

  /** Drops the claims a heartbeat with this sequence already reflects. */
  absorb(sequence: number): void {
    if (this.claims.size === 0) return; // a host's heartbeat a second, mostly: no iterator for nothing
    for (const claim of this.claims)
      if (claim.untilSequence !== undefined && sequence >= claim.untilSequence) this.claims.delete(claim);
  }

  /** The host's figures as the scheduler should see them: the report minus what it does not show yet. */
  apply(reported: Heartbeat): Heartbeat {
    if (this.claims.size === 0) return reported; // as the first heartbeat is kept: nothing to add
    let memoryKib = 0;
    let vcpus = 0;
    for (const claim of this.claims) {
      memoryKib += claim.memoryKib;
      vcpus += claim.vcpus;
    }
    return {
      ...reported,
      freeMemoryKib: Math.max(0, reported.freeMemoryKib - memoryKib),
      vcpusAllocated: reported.vcpusAllocated + vcpus,
      domainCount: reported.domainCount + this.claims.size,
    };
  }
}
