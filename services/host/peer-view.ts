/**
 * What one host knows of the others' liveness (docs/specs/ha.md §3): when each peer last answered
 * a network ping, and when each lease in the statefile was last seen to change. Pure: every call
 * takes the time from the caller's clock.
 */
export class PeerView {
  /** hostId → when it last answered a ping (this host's clock). */
  private readonly lastReplyMs = new Map<string, number>();
  /** hostId → when it last answered a ping saying it reaches us too (the link works both ways). */
  private readonly lastMutualMs = new Map<string, number>();
  /** hostId → the lease revision last read and when it was first read at that revision. */
  private readonly leaseSeen = new Map<string, { revision: number; sinceMs: number }>();
  /** When the statefile was last read: lease ages count up to then, so a lost statefile keeps the members. */
  private leasesReadMs = 0;

  constructor(
    readonly selfId: string,
    private peerSeenWindowMs: number,
    private leaseLiveWindowMs: number,
  ) {}

  setWindows(peerSeenWindowMs: number, leaseLiveWindowMs: number): void {
    this.peerSeenWindowMs = peerSeenWindowMs;
    this.leaseLiveWindowMs = leaseLiveWindowMs;
  }

  /** A peer answered; `peerReaches` is whom it reaches itself (its `reaches`). */
  onPong(hostId: string, peerReaches: readonly string[], nowMs: number): void {
    if (hostId === this.selfId) return;
    this.lastReplyMs.set(hostId, nowMs);
    if (peerReaches.includes(this.selfId)) this.lastMutualMs.set(hostId, nowMs);
  }

  /** A lease read from the statefile (revoked ones are passed as such and do not count). */
  onLease(hostId: string, revision: number, revoked: boolean, nowMs: number): void {
    if (hostId === this.selfId) return;
    if (revoked) {
      this.leaseSeen.delete(hostId);
      return;
    }
    const known = this.leaseSeen.get(hostId);
    if (known?.revision !== revision) this.leaseSeen.set(hostId, { revision, sinceMs: nowMs });
  }

  /** Every lease was read at `nowMs` (after the onLease calls of that read). */
  onLeasesRead(nowMs: number): void {
    this.leasesReadMs = nowMs;
  }

  /** A host whose lease is gone from the statefile. */
  forget(hostId: string): void {
    this.leaseSeen.delete(hostId);
    this.lastReplyMs.delete(hostId);
    this.lastMutualMs.delete(hostId);
  }

  /** Peers that answered within the window (one way: what a ping answer tells the peer). */
  reaches(nowMs: number): string[] {
    return this.within(this.lastReplyMs, nowMs);
  }

  /**
   * Peers connected both ways within the window: XAPI's liveset is a fully connected set, so a
   * host whose pings get out but whose peers cannot reach it does not count them.
   */
  sees(nowMs: number): string[] {
    return this.within(this.lastMutualMs, nowMs);
  }

  private within(times: ReadonlyMap<string, number>, nowMs: number): string[] {
    if (times.size === 0) return [];
    return [...times]
      .filter(([, atMs]) => nowMs - atMs < this.peerSeenWindowMs)
      .map(([hostId]) => hostId)
      .sort();
  }

  /**
   * Itself, the peers it sees, and every host whose lease had changed within the lease window when
   * the statefile was last read (docs/specs/ha.md §3: a lost statefile keeps the last members).
   */
  members(nowMs: number): string[] {
    const members = new Set([this.selfId, ...this.sees(nowMs)]);
    for (const [hostId, seen] of this.leaseSeen)
      if (this.leasesReadMs - seen.sinceMs < this.leaseLiveWindowMs) members.add(hostId);
    return [...members].sort();
  }

  /** Everyone ever known with an address to ping: peers with a lease, live or not. */
  knownPeers(): string[] {
    return [...new Set([...this.leaseSeen.keys(), ...this.lastReplyMs.keys()])].sort();
  }

  /** majority: sees more than half the members (itself included); tie: exactly half. */
  standing(nowMs: number): "majority" | "tie" | "minority" {
    const seenCount = this.sees(nowMs).length + 1;
    const memberCount = this.members(nowMs).length;
    if (2 * seenCount > memberCount) return "majority";
    return 2 * seenCount === memberCount ? "tie" : "minority";
  }
}
