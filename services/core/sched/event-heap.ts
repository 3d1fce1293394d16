/** A timed entry: due at `atNs`; ties are served in the order they were pushed. */
export interface TimedEntry {
  readonly atNs: number;
  readonly sequence: number;
}

/**
 * A binary min-heap of timed entries, ordered by (atNs, sequence) so the order is deterministic.
 * An entry's atNs and sequence must not change while it is in the heap: they are copied in at the
 * push, into two arrays of numbers by heap position, so that sifting compares those instead of
 * reading every entry it passes (on a host whose data went cold, each is a cache miss).
 */
export class EventHeap<T extends TimedEntry> {
  private readonly entries: T[] = [];
  private readonly atNsByIndex: number[] = [];
  private readonly sequenceByIndex: number[] = [];

  get size(): number {
    return this.entries.length;
  }

  peek(): T | undefined {
    return this.entries[0];
  }

  /** The earliest entry's atNs (Infinity when empty), without reading the entry. */
  peekAtNs(): number {
    return this.entries.length > 0 ? this.atNsByIndex[0]! : Infinity;
  }

  push(entry: T): void {
    const entries = this.entries;
    const atNsByIndex = this.atNsByIndex;
    const sequenceByIndex = this.sequenceByIndex;
    const atNs = entry.atNs;
    const sequence = entry.sequence;
    entries.push(entry);
    atNsByIndex.push(atNs);
    sequenceByIndex.push(sequence);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(atNs, sequence, atNsByIndex[parent]!, sequenceByIndex[parent]!)) break;
      entries[index] = entries[parent]!;
      atNsByIndex[index] = atNsByIndex[parent]!;
      sequenceByIndex[index] = sequenceByIndex[parent]!;
      index = parent;
    }
    entries[index] = entry;
    atNsByIndex[index] = atNs;
    sequenceByIndex[index] = sequence;
  }

  pop(): T | undefined {
    const entries = this.entries;
    const atNsByIndex = this.atNsByIndex;
    const sequenceByIndex = this.sequenceByIndex;
    const top = entries[0];
    const last = entries.pop();
    const lastAtNs = atNsByIndex.pop();
    const lastSequence = sequenceByIndex.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;
    const atNs = lastAtNs!;
    const sequence = lastSequence!;
    const count = entries.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= count) break;
      const right = left + 1;
      const child =
        right < count &&
        before(atNsByIndex[right]!, sequenceByIndex[right]!, atNsByIndex[left]!, sequenceByIndex[left]!)
          ? right
          : left;
      if (!before(atNsByIndex[child]!, sequenceByIndex[child]!, atNs, sequence)) break;
      entries[index] = entries[child]!;
      atNsByIndex[index] = atNsByIndex[child]!;
      sequenceByIndex[index] = sequenceByIndex[child]!;
      index = child;
    }
    entries[index] = last;
    atNsByIndex[index] = atNs;
    sequenceByIndex[index] = sequence;
    return top;
  }
}

function before(atNsA: number, sequenceA: number, atNsB: number, sequenceB: number): boolean {
  return atNsA < atNsB || (atNsA === atNsB && sequenceA < sequenceB);
}
