import type { LeaseTiming, LeaseValue } from "../contracts/lease.js";

export interface ObservedLease {
  hostId: string;
  lease: LeaseValue;
  revision: number;
  /** When this scheduler first read the lease at this revision (its own clock). */
  sinceMs: number;
}

/**
 * The scheduler's continuous observation of the hosts' leases (docs/specs/ha.md §5). Pure: the
 * caller passes the entries it read and its clock's time; a failed read must call `reset()`, so
 * that silence is only ever measured while the statefile was being read.
 */
export class LeaseObserver {
  private readonly seen = new Map<string, ObservedLease>();
  /** Per host, since when (our clock) every read found it unseen by its peers, without a break. */
  private readonly unseenSinceMs = new Map<string, number>();

  observe(
    leases: ReadonlyMap<string, { lease: LeaseValue; revision: number }>,
    nowMs: number,
    timing: LeaseTiming,
  ): void {
    for (const hostId of [...this.seen.keys()]) if (!leases.has(hostId)) this.seen.delete(hostId);
    for (const [hostId, { lease, revision }] of leases) {
      if (this.seen.get(hostId)?.revision !== revision)
        this.seen.set(hostId, { hostId, lease, revision, sinceMs: nowMs });
    }
    for (const o of this.all()) {
      if (!this.unseenByPeers(o, nowMs, timing)) this.unseenSinceMs.delete(o.hostId);
      else if (!this.unseenSinceMs.has(o.hostId)) this.unseenSinceMs.set(o.hostId, nowMs);
    }
    for (const hostId of [...this.unseenSinceMs.keys()])
      if (!this.seen.has(hostId)) this.unseenSinceMs.delete(hostId);
  }

  reset(): void {
    this.seen.clear();
    this.unseenSinceMs.clear();
  }

  all(): ObservedLease[] {
    return [...this.seen.values()].sort((a, b) => a.hostId.localeCompare(b.hostId));
  }

  /**
   * Hosts that lost their lease: live, unchanged for T + margin, and listed in `sees` by fewer
   * than half of the other hosts whose leases are live, continuously for at least T of our
   * observation. A host whose lease went stale while its peers still saw it (cut from the broker
   * only) runs its guests on (§4 rule 3) until it finds itself outside the majority, at most
   * `peerSeenWindowMs` after its peers dropped it, and fences `isolationConfirmMs` later: T
   * (≥ 5 renew intervals) after we first read its peers without it, it has fenced (§6).
   */
  lost(nowMs: number, timing: LeaseTiming): ObservedLease[] {
    const deadlineMs = timing.timeoutMs + timing.restartMarginMs;
    return this.all().filter((o) => {
      if (o.lease.state !== "live" || nowMs - o.sinceMs < deadlineMs) return false;
      const unseenSinceMs = this.unseenSinceMs.get(o.hostId);
      return unseenSinceMs !== undefined && nowMs - unseenSinceMs >= timing.timeoutMs;
    });
  }

  /** Listed in `sees` by fewer than half of the other hosts whose leases are live and fresh. */
  private unseenByPeers(o: ObservedLease, nowMs: number, timing: LeaseTiming): boolean {
    const deadlineMs = timing.timeoutMs + timing.restartMarginMs;
    const others = this.all().filter(
      (l) => l.hostId !== o.hostId && l.lease.state === "live" && nowMs - l.sinceMs < deadlineMs,
    );
    const seenBy = others.filter((l) => l.lease.sees.includes(o.hostId)).length;
    return 2 * seenBy < others.length;
  }
}
