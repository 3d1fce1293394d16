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

  observe(leases: ReadonlyMap<string, { lease: LeaseValue; revision: number }>, nowMs: number): void {
    for (const hostId of [...this.seen.keys()]) if (!leases.has(hostId)) this.seen.delete(hostId);
    for (const [hostId, { lease, revision }] of leases) {
      if (this.seen.get(hostId)?.revision !== revision)
        this.seen.set(hostId, { hostId, lease, revision, sinceMs: nowMs });
    }
  }

  reset(): void {
    this.seen.clear();
  }

  all(): ObservedLease[] {
    return [...this.seen.values()].sort((a, b) => a.hostId.localeCompare(b.hostId));
  }

  /**
   * Hosts that lost their lease: live, unchanged for T + margin, and listed in `sees` by fewer
   * than half of the other hosts whose leases are live.
   */
  lost(nowMs: number, timing: LeaseTiming): ObservedLease[] {
    const deadlineMs = timing.timeoutMs + timing.restartMarginMs;
    const live = this.all().filter((o) => o.lease.state === "live" && nowMs - o.sinceMs < deadlineMs);
    return this.all().filter((o) => {
      if (o.lease.state !== "live" || nowMs - o.sinceMs < deadlineMs) return false;
      const others = live.filter((l) => l.hostId !== o.hostId);
      const seenBy = others.filter((l) => l.lease.sees.includes(o.hostId)).length;
      return 2 * seenBy < others.length;
    });
  }
}
