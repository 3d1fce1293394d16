import type { Statefile, StatefileEntry } from "../../contracts/statefile.js";

/** The same in one process, for tests; `unreachable` makes every call fail as a lost broker does. */
export class MemoryStatefile implements Statefile {
  private readonly entries = new Map<string, StatefileEntry>();
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
    return this.reach(() => void this.entries.delete(key));
  }

  private write(key: string, value: string): number {
    this.revisionLast++;
    this.entries.set(key, { value, revision: this.revisionLast });
    return this.revisionLast;
  }

  private reach<T>(fn: () => T): Promise<T> {
    if (this.unreachable) return Promise.reject(new Error("statefile unreachable"));
    return Promise.resolve(fn());
  }
}
