import type { StateStore } from "../contracts/state-store.js";

/** Key prefix of a disabled host in the state store (docs/specs/state-store.md `host.<hostId>`). */
export const DISABLED_HOST_KEY_PREFIX = "host.";

/**
 * The hosts that take no new guests, as this scheduler knows them: the store's `host.<id>` keys,
 * re-read at start and at every reconcile (a host enabled or disabled by another scheduler while
 * this one was a standby follows), plus this process's own changes the read may not show yet.
 *
 * A read replaces the set, except for a disable still being written and any change finished after
 * the read began (the read may have missed it): the store is linearisable, so a change finished
 * before the read began is in what it returns.
 */
export class DisabledHosts implements Iterable<string> {
  private readonly hostIds = new Set<string>();
  /** Disables whose store write is in flight: placements avoid the host meanwhile. */
  private readonly writing = new Map<string, number>();
  /** The last change this process finished per host, numbered (bounded by the host count). */
  private readonly changes = new Map<string, { enabled: boolean; sequence: number }>();
  private sequence = 0;

  constructor(private readonly store: StateStore) {}

  has(hostId: string): boolean {
    return this.hostIds.has(hostId);
  }

  get size(): number {
    return this.hostIds.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.hostIds[Symbol.iterator]();
  }

  /** Disabling takes effect at once and is undone if the write fails; enabling waits for the store. */
  async set(hostId: string, enabled: boolean): Promise<void> {
    const key = `${DISABLED_HOST_KEY_PREFIX}${hostId}`;
    if (enabled) {
      await this.store.delete(key);
      this.hostIds.delete(hostId);
      this.changes.set(hostId, { enabled, sequence: ++this.sequence });
      return;
    }
    const wasDisabled = this.hostIds.has(hostId);
    this.hostIds.add(hostId);
    this.writing.set(hostId, (this.writing.get(hostId) ?? 0) + 1);
    try {
      await this.store.put(key, "disabled");
      this.changes.set(hostId, { enabled, sequence: ++this.sequence });
    } catch (error) {
      if (!wasDisabled && this.writing.get(hostId) === 1) this.hostIds.delete(hostId);
      throw error;
    } finally {
      const left = (this.writing.get(hostId) ?? 1) - 1;
      if (left > 0) this.writing.set(hostId, left);
      else this.writing.delete(hostId);
    }
  }

  /** Reads the store and replaces the set with it (keeping the changes the read may have missed). */
  async load(): Promise<void> {
    const readFrom = this.sequence;
    const found = new Set<string>();
    for (const key of await this.store.keys(DISABLED_HOST_KEY_PREFIX)) {
      if ((await this.store.get(key)) === "disabled") found.add(key.slice(DISABLED_HOST_KEY_PREFIX.length));
    }
    for (const [hostId, change] of this.changes) {
      if (change.sequence <= readFrom) continue;
      if (change.enabled) found.delete(hostId);
      else found.add(hostId);
    }
    for (const hostId of this.writing.keys()) found.add(hostId);
    this.hostIds.clear();
    for (const hostId of [...found].sort()) this.hostIds.add(hostId);
  }
}
