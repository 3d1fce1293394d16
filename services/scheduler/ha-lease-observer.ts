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

/** What the observer holds of one host: its lease as last observed, and since when it is unseen. */
interface HostWatch {
  observed: ObservedLease;
  /** Since when (our clock) every read found it unseen by its peers, without a break; undefined if seen. */
  unseenSinceMs: number | undefined;
}

/**
 * The scheduler's continuous observation of the hosts' leases (docs/specs/ha.md §5). Pure: the
 * caller passes the entries it read and its clock's time; a failed read must call `reset()`, so
 * that silence is only ever measured while the statefile was being read.
 */
export class LeaseObserver {
  private readonly watches = new Map<string, HostWatch>();
  /** Reads observed since the last reset: a lease absent from the first and in a later one was written since. */
  private readCount = 0;
  /**
   * The last read observed and each of its hosts' watch, in its order: the next read, when it is
   * the same map (ha-lease-reads.ts hands out one until a key comes or goes), finds each host's
   * watch at its position with no lookup (1,000 leases every renew interval).
   */
  private lastRead: ReadonlyMap<string, unknown> | undefined;
  private lastReadWatches: HostWatch[] = [];
  /**
   * Whether every read since the last reset counted who is unseen (HA on): only then do the
   * watches' unseenSinceMs date an unbroken silence.
   */
  private unseenCounted = true;

  /**
   * One read of the leases. Without a change since the last read (an idle cluster: most leases
   * unchanged, none added or removed) it allocates nothing but the leases renewed since: 1,000
   * leases are observed every renew interval. `timing` undefined (HA off): who is unseen by its
   * peers is not counted, as nobody asks who is lost (`lost`, HA on only; a new setting starts
   * the observation afresh); a read with `timing` after such reads starts the silences afresh.
   */
  observe(
    leases: ReadonlyMap<string, { lease: LeaseValue; revision: number }>,
    nowMs: number,
    timing: LeaseTiming | undefined,
  ): void {
    const readWatches = this.noteRead(leases, nowMs);
    // Every host read is watched now: more watches are of hosts whose leases are gone.
    if (this.watches.size > leases.size)
      for (const hostId of this.watches.keys()) if (!leases.has(hostId)) this.watches.delete(hostId);
    this.lastRead = leases;
    this.lastReadWatches = readWatches;
    this.readCount++;
    if (timing === undefined) {
      this.unseenCounted = false;
      return;
    }
    const peers = this.peerCounts(nowMs, timing);
    const counted = this.unseenCounted;
    this.unseenCounted = true;
    for (const watch of this.watches.values()) {
      if (!counted) watch.unseenSinceMs = undefined;
      if (!unseenByPeers(watch.observed, peers)) watch.unseenSinceMs = undefined;
      else watch.unseenSinceMs ??= nowMs;
    }
  }

  /**
   * Each lease read, its host's watch updated (a new ObservedLease when its revision changed);
   * returns the watches in the read's order. Looks a host up only where the read is not the last
   * one with the same host at the same position.
   */
  private noteRead(
    leases: ReadonlyMap<string, { lease: LeaseValue; revision: number }>,
    nowMs: number,
  ): HostWatch[] {
    const last = leases === this.lastRead ? this.lastReadWatches : undefined;
    let aligned = last !== undefined && last.length === leases.size;
    let readWatches = aligned ? last! : [];
    let position = 0;
    // forEach, not for-of: no [key, value] pair and iterator result per lease.
    leases.forEach(({ lease, revision }, hostId) => {
      let watch = aligned ? last![position] : undefined;
      if (watch === undefined || watch.observed.hostId !== hostId) {
        if (aligned) readWatches = last!.slice(0, position);
        aligned = false;
        watch = this.watches.get(hostId);
      }
      if (watch === undefined) {
        const observed = { hostId, lease, revision, sinceMs: nowMs, confirmed: this.readCount > 0 };
        watch = { observed, unseenSinceMs: undefined };
        this.watches.set(hostId, watch);
      } else if (watch.observed.revision !== revision)
        watch.observed = { hostId, lease, revision, sinceMs: nowMs, confirmed: true };
      if (!aligned) readWatches.push(watch);
      position++;
    });
    return readWatches;
  }

  reset(): void {
    this.readCount = 0;
    this.unseenCounted = true;
    this.watches.clear();
    this.lastRead = undefined;
    this.lastReadWatches = [];
  }

  /** The host's lease as last observed; undefined when not read since the last reset. */
  get(hostId: string): ObservedLease | undefined {
    return this.watches.get(hostId)?.observed;
  }

  all(): ObservedLease[] {
    return [...this.watches.values()]
      .map((watch) => watch.observed)
      .sort((a, b) => a.hostId.localeCompare(b.hostId));
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
    if (!this.unseenCounted)
      throw new Error("LeaseObserver.lost: the last read did not count who is unseen (HA off)");
    const deadlineMs = timing.timeoutMs + timing.restartMarginMs;
    return this.all().filter((o) => {
      if (o.lease.state !== "live" || nowMs - o.sinceMs < deadlineMs) return false;
      const unseenSinceMs = this.watches.get(o.hostId)?.unseenSinceMs;
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
    for (const { observed } of this.watches.values()) {
      if (!isFresh(observed, nowMs, deadlineMs)) continue;
      freshCount++;
      countSeen(observed.lease.sees, observed.hostId, seenBy);
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
