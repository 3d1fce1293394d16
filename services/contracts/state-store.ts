/**
 * The cluster's durable state (docs/specs/state-store.md): what must outlive any one process —
 * disabled hosts, operations in progress, HA domains' configs, name reservations, the scheduler's
 * leader lease. A JetStream key-value bucket in the real wiring, a map in seeded tests. Every key
 * has a revision; the compare-and-set operations refuse when the revision moved on, so two writers
 * never both win.
 */
export interface StoreEntry {
  value: string;
  revision: number;
}

export interface StateStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (which ends with "."). */
  keys(prefix: string): Promise<string[]>;
  /** The value and its revision, undefined when absent or deleted. */
  entry(key: string): Promise<StoreEntry | undefined>;
  /** Writes only if the key is absent: the new revision, or undefined if it exists. */
  create(key: string, value: string): Promise<number | undefined>;
  /** Writes only if the key is still at `revision`: the new revision, or undefined if it moved. */
  update(key: string, value: string, revision: number): Promise<number | undefined>;
  /** Deletes only if the key is still at `revision`: whether it did. */
  remove(key: string, revision: number): Promise<boolean>;
}

/** The StateStore operations that write: put, delete, create, update, remove. */
const WRITE_OPERATIONS: ReadonlySet<string> = new Set(["put", "delete", "create", "update", "remove"]);

/**
 * The store cannot be reached (broker down) or did not answer in time (a request timeout). A read
 * learned nothing. A write may or may not have been applied: its request may have reached the
 * store and only the answer been lost (`writeOutcomeUnknown`); a caller that must know reads again.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `the cluster's state store cannot be reached (${operation}: ${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = "StoreUnavailableError";
  }

  /** A write whose request may have been applied: nobody knows whether it was. */
  get writeOutcomeUnknown(): boolean {
    return WRITE_OPERATIONS.has(this.operation);
  }
}

/** The same in one process, for seeded tests; `unavailable` makes every call fail as a broker outage does. */
export class MemoryStore implements StateStore {
  private readonly values = new Map<string, StoreEntry>();
  private revisionLast = 0;
  unavailable = false;

  private check(operation: string): void {
    if (this.unavailable) throw new StoreUnavailableError(operation, new Error("TIMEOUT"));
  }

  private write(key: string, value: string): number {
    const revision = ++this.revisionLast;
    this.values.set(key, { value, revision });
    return revision;
  }

  get(key: string): Promise<string | undefined> {
    return this.entry(key).then((e) => e?.value);
  }
  put(key: string, value: string): Promise<void> {
    return this.run("put", () => void this.write(key, value));
  }
  delete(key: string): Promise<void> {
    return this.run("delete", () => void this.values.delete(key));
  }
  keys(prefix: string): Promise<string[]> {
    return this.run("keys", () => [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort());
  }
  entry(key: string): Promise<StoreEntry | undefined> {
    return this.run("get", () => {
      const found = this.values.get(key);
      return found ? { ...found } : undefined;
    });
  }
  create(key: string, value: string): Promise<number | undefined> {
    return this.run("create", () => (this.values.has(key) ? undefined : this.write(key, value)));
  }
  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return this.run("update", () =>
      this.values.get(key)?.revision === revision ? this.write(key, value) : undefined,
    );
  }
  remove(key: string, revision: number): Promise<boolean> {
    return this.run("remove", () => this.values.get(key)?.revision === revision && this.values.delete(key));
  }

  private run<T>(operation: string, body: () => T): Promise<T> {
    try {
      this.check(operation);
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
