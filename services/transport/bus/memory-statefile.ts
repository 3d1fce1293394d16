import type { Statefile, StatefileEntry } from "../../contracts/statefile.js";

/** The same in one process, for tests; `unreachable` makes every call fail as a lost broker does. */
export class MemoryStatefile implements Statefile {
  private readonly entries = new Map<string, StatefileEntry>();
  private readonly watchers = new Set<{ key: string; onChange: (e: StatefileEntry | undefined) => void }>();
  private revisionLast = 0;
  unreachable = false;

  read(key: string): Promise<StatefileEntry | undefined> {
    return this.reach(() => this.entries.get(key));
  }
  readAll(prefix: string): Promise<Map<string, StatefileEntry>> {
    return this.reach(() => new Map([...this.entries].filter(([key]) => key.startsWith(prefix))));
  }
  put(key: string, value: string): Promise<number> {
    return this.reach(() => this.write(key, value));
  }
  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return this.reach(() =>
      this.entries.get(key)?.revision === revision ? this.write(key, value) : undefined,
    );
  }

  create(key: string, value: string): Promise<number | undefined> {
    return this.reach(() => (this.entries.has(key) ? undefined : this.write(key, value)));
  }
  remove(key: string): Promise<void> {
    return this.reach(() => {
      this.entries.delete(key);
      this.notify(key);
    });
  }

  /** Tells the key's watchers of each write, after the writer's answer (a push, not a reply). */
  watch(key: string, onChange: (entry: StatefileEntry | undefined) => void): () => void {
    const watcher = { key, onChange };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private write(key: string, value: string): number {
    this.revisionLast++;
    this.entries.set(key, { value, revision: this.revisionLast });
    this.notify(key);
    return this.revisionLast;
  }

  private notify(key: string): void {
    if (this.unreachable) return;
    const entry = this.entries.get(key);
    for (const watcher of this.watchers)
      if (watcher.key === key) queueMicrotask(() => watcher.onChange(entry && { ...entry }));
  }

  private reach<T>(fn: () => T): Promise<T> {
    if (this.unreachable) return Promise.reject(new Error("statefile unreachable"));
    return Promise.resolve(fn());
  }
}
