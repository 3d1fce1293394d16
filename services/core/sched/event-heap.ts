/** A timed entry: due at `atNs`; ties are served in the order they were pushed. */
export interface TimedEntry {
  readonly atNs: number;
  readonly sequence: number;
}

/** A binary min-heap of timed entries, ordered by (atNs, sequence) so the order is deterministic. */
export class EventHeap<T extends TimedEntry> {
  private readonly entries: T[] = [];

  get size(): number {
    return this.entries.length;
  }

  peek(): T | undefined {
    return this.entries[0];
  }

  push(entry: T): void {
    const entries = this.entries;
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, entries[parent]!)) break;
      entries[index] = entries[parent]!;
      index = parent;
    }
    entries[index] = entry;
  }

  pop(): T | undefined {
    const entries = this.entries;
    const top = entries[0];
    const last = entries.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= entries.length) break;
      const right = left + 1;
      const child = right < entries.length && before(entries[right]!, entries[left]!) ? right : left;
      if (!before(entries[child]!, last)) break;
      entries[index] = entries[child]!;
      index = child;
    }
    entries[index] = last;
    return top;
  }
}

function before(a: TimedEntry, b: TimedEntry): boolean {
  return a.atNs < b.atNs || (a.atNs === b.atNs && a.sequence < b.sequence);
}
