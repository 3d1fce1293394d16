import type { ClusterView } from "./cluster-view.js";

/**
 * Hosts the scheduler has only heard of: a heartbeat arrived but the host's own List never
 * answered. They are not placed on (operations.ts skips hosts not synced) and, after
 * UNANSWERED_HOST_DROP_MS, leave the view altogether, so a host that is not there does not stay in
 * host-list or in every refusal. Separate from liveness (heartbeats, leases): only whether the
 * host ever answered.
 */
export const UNANSWERED_HOST_DROP_MS = 15_000;

export class UnansweredHosts {
  private readonly firstSeenMs = new Map<string, number>();

  /** A host appeared (or came back): its clock starts unless it is already running. */
  noteAppeared(hostId: string, nowMs: number): void {
    if (!this.firstSeenMs.has(hostId)) this.firstSeenMs.set(hostId, nowMs);
  }

  noteAnswered(hostId: string): void {
    this.firstSeenMs.delete(hostId);
  }

  /** Removes from `view` the hosts silent past the bound; returns their ids. */
  drop(view: ClusterView, nowMs: number): string[] {
    const dropped: string[] = [];
    for (const [hostId, sinceMs] of this.firstSeenMs) {
      if (nowMs - sinceMs <= UNANSWERED_HOST_DROP_MS) continue;
      this.firstSeenMs.delete(hostId);
      const entry = view.hosts.get(hostId);
      if (entry && !entry.synced) {
        view.hosts.delete(hostId);
        dropped.push(hostId);
      }
    }
    return dropped;
  }
}
