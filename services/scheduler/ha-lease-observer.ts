import type { LeaseTiming, LeaseValue } from "../contracts/lease.js";

export interface ObservedLease {
  hostId: string;
  lease: LeaseValue;
  revision: number;
  /** When this scheduler first read the lease at this revision (its own clock). */
  sinceMs: number;
  /**
   * Whether this scheduler saw the lease written (its revision change, or the lease appear in a
   * read after the first) since it began observing (its start, a failed read, a new HA setting):
   * only then does `sinceMs` date a renewal. A lease in the first read after an outage may be the
   * one written before it, by a host that has not renewed since (docs/specs/ha.md §5, `ha-status`).
   */
  confirmed: boolean;
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
  /** Reads observed since the last reset: a lease absent from the first and in a later one was written since. */
  private readCount = 0;

  /**
   * One read of the leases. Without a change since the last read (an idle cluster: most leases
   * unchanged, none added or removed) it allocates nothing but the leases renewed since: 1,000
   * leases are observed every renew interval.
   */
  observe(
    leases: ReadonlyMap<string, { lease: LeaseValue; revision: number }>,
    nowMs: number,
    timing: LeaseTiming,
  ): void {
    for (const [hostId, { lease, revision }] of leases) {
      const before = this.seen.get(hostId);
      if (before?.revision !== revision) {
        const confirmed = before !== undefined || this.readCount > 0;
        this.seen.set(hostId, { hostId, lease, revision, sinceMs: nowMs, confirmed });
      }
    }
    // Every host read is seen now: a larger seen holds hosts whose leases are gone.
    if (this.seen.size > leases.size)
      for (const hostId of this.seen.keys()) if (!leases.has(hostId)) this.seen.delete(hostId);
    this.readCount++;
    const peers = this.peerCounts(nowMs, timing);
    let unseenCount = 0;
    for (const o of this.seen.values()) {
      if (!unseenByPeers(o, peers)) this.unseenSinceMs.delete(o.hostId);
      else {
        unseenCount++;
        if (!this.unseenSinceMs.has(o.hostId)) this.unseenSinceMs.set(o.hostId, nowMs);
      }
    }
    // Every unseen host seen is in it now: a larger one holds hosts no longer seen.
    if (this.unseenSinceMs.size > unseenCount)
      for (const hostId of this.unseenSinceMs.keys())
        if (!this.seen.has(hostId)) this.unseenSinceMs.delete(hostId);
  }

  reset(): void {
    this.readCount = 0;
    this.seen.clear();
    this.unseenSinceMs.clear();
  }

  /** The host's lease as last observed; undefined when not read since the last reset. */
  get(hostId: string): ObservedLease | undefined {
    return this.seen.get(hostId);
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

  /**
   * One pass over the leases that are live and fresh (unchanged for less than T + margin): which
   * hosts they are and by how many of them each host is listed in `sees`. Linear in the leases and
   * their `sees` lists (it was quadratic, a sort per host: 2x the CPU of 1,000 idle hosts).
   */
  private peerCounts(nowMs: number, timing: LeaseTiming): PeerCounts {
    const deadlineMs = timing.timeoutMs + timing.restartMarginMs;
    let freshCount = 0;
    const seenBy = new Map<string, number>();
    for (const l of this.seen.values()) {
      if (!isFresh(l, nowMs, deadlineMs)) continue;
      freshCount++;
      countSeen(l.lease.sees, l.hostId, seenBy);
    }
    return { freshCount, nowMs, deadlineMs, seenBy };
  }
}

/**
 * Counts in `seenBy` each host `sees` lists, once however often listed, other than `hostId`. A
 * host writes its `sees` sorted and without repeats (PeerView.sees): strictly ascending, each
 * entry counts at once, in one pass; any other list (a lease written otherwise) goes through a Set.
 * (A first-occurrence test by indexOf was quadratic: 1,000 hosts with HA each list ~1,000 peers.)
 */
export function countSeen(sees: readonly string[], hostId: string, seenBy: Map<string, number>): void {
  if (isStrictlyAscending(sees)) {
    for (const id of sees) if (id !== hostId) seenBy.set(id, (seenBy.get(id) ?? 0) + 1);
    return;
  }
  const counted = new Set<string>();
  for (const id of sees) {
    if (id === hostId || counted.has(id)) continue;
    counted.add(id);
    seenBy.set(id, (seenBy.get(id) ?? 0) + 1);
  }
}

/** Each entry after the one before it (so no two are equal). */
function isStrictlyAscending(list: readonly string[]): boolean {
  for (let index = 1; index < list.length; index++) if (!(list[index - 1]! < list[index]!)) return false;
  return true;
}

/** Live and changed less than T + margin ago (`deadlineMs`). */
function isFresh(o: ObservedLease, nowMs: number, deadlineMs: number): boolean {
  return o.lease.state === "live" && nowMs - o.sinceMs < deadlineMs;
}

interface PeerCounts {
  /**
   * How many hosts' leases are live and fresh (a count, not a set: an observed lease is one of
   * them when isFresh says so at `nowMs` and `deadlineMs`; no set of 1,000 hosts per read).
   */
  freshCount: number;
  nowMs: number;
  deadlineMs: number;
  /** Per host, how many other live, fresh leases list it in `sees`. */
  seenBy: ReadonlyMap<string, number>;
}

/** Listed in `sees` by fewer than half of the other hosts whose leases are live and fresh. */
function unseenByPeers(o: ObservedLease, peers: PeerCounts): boolean {
  const others = peers.freshCount - (isFresh(o, peers.nowMs, peers.deadlineMs) ? 1 : 0);
  return 2 * (peers.seenBy.get(o.hostId) ?? 0) < others;
}
