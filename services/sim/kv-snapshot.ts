import type { StoreEntry } from "../contracts/state-store.js";

/**
 * A prefix's keys in order and where each sits: shared by every read of the prefix until a key
 * under it is added or deleted (SimKv.sortedKeys), the lookup index made on the first `get`/`has`.
 */
export class SortedKeys {
  private positions: Map<string, number> | undefined;

  constructor(readonly keys: readonly string[]) {}

  /** Where `key` sits in `keys`, or undefined if it is not one of them. */
  positionOf(key: string): number | undefined {
    let positions = this.positions;
    if (positions === undefined) {
      positions = new Map();
      for (let position = 0; position < this.keys.length; position++)
        positions.set(this.keys[position]!, position);
      this.positions = positions;
    }
    return positions.get(key);
  }
}

/**
 * What a read of every key under a prefix returned (SimKv.entriesNow): the keys in order with the
 * entries they held at the read, as a read-only map. One array of the entries per read, the keys
 * and their index shared with the other reads of the same keys: the scheduler reads 1,000 leases
 * every renew interval, and a Map of them made per read was most of that read's cost.
 */
export class KvSnapshot implements ReadonlyMap<string, StoreEntry> {
  constructor(
    private readonly sorted: SortedKeys,
    /** The entry of each of `sorted.keys`, at the same position. */
    private readonly entryList: readonly StoreEntry[],
  ) {}

  get size(): number {
    return this.entryList.length;
  }

  get(key: string): StoreEntry | undefined {
    const position = this.sorted.positionOf(key);
    return position === undefined ? undefined : this.entryList[position];
  }

  has(key: string): boolean {
    return this.sorted.positionOf(key) !== undefined;
  }

  keys(): MapIterator<string> {
    return new ListIterator(this.sorted.keys);
  }

  values(): MapIterator<StoreEntry> {
    return new ListIterator(this.entryList);
  }

  entries(): MapIterator<[string, StoreEntry]> {
    return this.pairs()[Symbol.iterator]();
  }

  [Symbol.iterator](): MapIterator<[string, StoreEntry]> {
    return this.entries();
  }

  forEach(
    callback: (entry: StoreEntry, key: string, map: ReadonlyMap<string, StoreEntry>) => void,
    thisArg?: unknown,
  ): void {
    const keys = this.sorted.keys;
    for (let position = 0; position < keys.length; position++)
      callback.call(thisArg, this.entryList[position]!, keys[position]!, this);
  }

  private pairs(): Array<[string, StoreEntry]> {
    const keys = this.sorted.keys;
    return this.entryList.map((entry, position) => [keys[position]!, entry]);
  }
}

/**
 * An iterator of a list that hands out one result object, changed at each step (a consumer reads
 * it before it asks for the next: for-of, spread): an array's iterator made a result per entry
 * where the caller's loop was not optimized with it, a few KB per read of 1,000 leases.
 */
class ListIterator<T> implements MapIterator<T> {
  private position = 0;
  private readonly result: { done: boolean; value: T | undefined } = { done: false, value: undefined };

  constructor(private readonly list: readonly T[]) {}

  next(): IteratorResult<T, undefined> {
    const result = this.result;
    if (this.position < this.list.length) result.value = this.list[this.position++]!;
    else {
      result.done = true;
      result.value = undefined;
    }
    return result as IteratorResult<T, undefined>;
  }

  [Symbol.iterator](): MapIterator<T> {
    return this;
  }
}

/**
 * Every entry under a prefix now, at its key's position in `sorted` (SimKv.entriesNow), kept while
 * the prefix's keys stay the same: a write of one of them replaces its entry here, the list copied
 * first if a snapshot holds it. The scheduler reads 1,000 leases every renew interval and a third
 * of them were renewed since: a lookup per write, not one per lease and read.
 */
export class PrefixEntries {
  /** Whether a snapshot holds `list` (the next write copies it first: a snapshot never changes). */
  private shared = false;

  constructor(
    readonly prefix: string,
    readonly sorted: SortedKeys,
    private list: StoreEntry[],
  ) {
    if (list.length !== sorted.keys.length)
      throw new Error(`PrefixEntries: ${list.length} entries for ${sorted.keys.length} keys`);
  }

  snapshot(): KvSnapshot {
    this.shared = true;
    return new KvSnapshot(this.sorted, this.list);
  }

  /** `key`, one of `sorted.keys`, holds `entry` now. */
  replace(key: string, entry: StoreEntry): void {
    const position = this.sorted.positionOf(key);
    if (position === undefined) throw new Error(`PrefixEntries.replace: ${key} is not under ${this.prefix}`);
    if (this.shared) {
      this.list = this.list.slice();
      this.shared = false;
    }
    this.list[position] = entry;
  }
}
