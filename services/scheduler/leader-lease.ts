import type { Clock } from "../core/clock.js";
import type { StateStore } from "../contracts/state-store.js";

/** The key of the scheduler's leader lease (docs/specs/state-store.md). */
export const LEADER_LEASE_KEY = "lease.scheduler";
/** How often the active scheduler renews its lease and a standby looks at it. */
export const LEASE_RENEW_INTERVAL_MS = 1000;
/**
 * A lease whose revision has not moved for this long (on the standby's own clock) is dead: the
 * standby takes it with a compare-and-set. The holder stops acting as active once it has not
 * renewed for this long, which is always before a standby may take over (it measures from later).
 */
export const LEASE_TIMEOUT_MS = 5000;

export interface LeaseHolder {
  holderId: string;
  address: string;
}

/**
 * Exactly one active scheduler: the one holding `lease.scheduler`. The store has no TTL (nats-server
 * 2.9), so liveness is the revision moving: the holder rewrites the key every
 * LEASE_RENEW_INTERVAL_MS at its revision; a standby that sees no new revision for
 * LEASE_TIMEOUT_MS replaces the key at that revision, and of two standbys only one can.
 */
export class LeaderLease {
  private revision: number | undefined;
  private renewedMs = Number.NEGATIVE_INFINITY;
  private seenRevision: number | undefined;
  private seenChangedMs = 0;
  holder: LeaseHolder | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly store: StateStore,
    readonly self: LeaseHolder,
  ) {}

  /** Whether this process may act as the active scheduler now. */
  get active(): boolean {
    return this.revision !== undefined && this.clock.nowMs() - this.renewedMs < LEASE_TIMEOUT_MS;
  }

  /** One round: renew (holder) or watch and maybe take over (standby). Store errors are thrown. */
  async tick(): Promise<"active" | "standby"> {
    const value = JSON.stringify(this.self);
    if (this.revision !== undefined) {
      const renewed = await this.store.update(LEADER_LEASE_KEY, value, this.revision);
      if (renewed !== undefined) return this.took(renewed);
      this.revision = undefined; // someone took it: we are a standby now
    }
    const entry = await this.store.entry(LEADER_LEASE_KEY);
    const nowMs = this.clock.nowMs();
    if (!entry) {
      const created = await this.store.create(LEADER_LEASE_KEY, value);
      return created === undefined ? "standby" : this.took(created);
    }
    this.holder = JSON.parse(entry.value) as LeaseHolder;
    // Our own id (a restart of this scheduler, bound to the same address): the old one is gone.
    const ours = this.holder.holderId === this.self.holderId;
    if (!ours && entry.revision !== this.seenRevision) {
      this.seenRevision = entry.revision;
      this.seenChangedMs = nowMs;
      return "standby";
    }
    if (!ours && nowMs - this.seenChangedMs < LEASE_TIMEOUT_MS) return "standby";
    const taken = await this.store.update(LEADER_LEASE_KEY, value, entry.revision);
    return taken === undefined ? "standby" : this.took(taken);
  }

  private took(revision: number): "active" {
    this.revision = revision;
    this.renewedMs = this.clock.nowMs();
    this.holder = this.self;
    return "active";
  }
}
