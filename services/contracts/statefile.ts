/**
 * The HA statefile (docs/specs/ha.md §3): a key-value store with revisions and compare-and-set,
 * the JetStream KV bucket in production (transport/bus/nats-statefile.ts), a map in tests.
 */
export interface StatefileEntry {
  value: string;
  revision: number;
}

export interface Statefile {
  read(key: string): Promise<StatefileEntry | undefined>;
  /** Every key starting with `prefix` (which ends with "."), with its entry. */
  readAll(prefix: string): Promise<ReadonlyMap<string, StatefileEntry>>;
  /** Writes unconditionally; returns the new revision. */
  put(key: string, value: string): Promise<number>;
  /** Writes only if the key is still at `revision`; returns the new revision, or undefined if not. */
  update(key: string, value: string, revision: number): Promise<number | undefined>;
  /** Writes only if the key does not exist; returns the new revision, or undefined if it does. */
  create(key: string, value: string): Promise<number | undefined>;
  remove(key: string): Promise<void>;
  /**
   * Calls `onChange` with each new value of `key` (undefined: deleted) as the store pushes it (a
   * JetStream KV watch), until the returned function is called. Best effort: a change may be missed
   * while the store is unreachable, so a watcher still reads the key now and then (ha.md §3).
   */
  watch(key: string, onChange: (entry: StatefileEntry | undefined) => void): () => void;
  /**
   * A number that stays the same for as long as this statefile's watch of `key` has pushed every
   * change of it, and moves when the watch may have missed one (opened again after it ended, the
   * connection to the store lost, a push that may have been dropped). A watcher that read the key
   * and sees the same number afterwards has seen every change since that read (ha.md §3).
   * Undefined while it does not watch `key`; absent: the statefile cannot tell. Either way a
   * watcher reads the key as before.
   */
  watchContinuity?(key: string): number | undefined;
}
