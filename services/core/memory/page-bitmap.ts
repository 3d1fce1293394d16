import { assert } from "../errors.js";

const WORD_BIT_SHIFT = 5;
const WORD_BIT_COUNT = 1 << WORD_BIT_SHIFT;

/**
 * One bit per pfn in 32-bit words, with the count of set bits kept up to date so asking for it is
 * O(1). Used for the populated map and for the log-dirty bitmap (Xen's paging log_dirty bitmap).
 * Callers check pfns against their own range; the bitmap only asserts its capacity on bulk calls.
 * The words are allocated at the first `add`: a guest that never populates a page (every idle
 * guest's populated map) costs no typed array, made on create and swept on destroy.
 */
export class PageBitmap {
  /** Undefined until the first bit is set; while it is, every bit is clear. */
  private words: Uint32Array | undefined = undefined;
  private setCount = 0;

  constructor(private pageCountCapacity: number) {}

  /** Number of set bits. */
  get count(): number {
    return this.setCount;
  }

  get capacity(): number {
    return this.pageCountCapacity;
  }

  has(pfn: number): boolean {
    if (this.setCount === 0) return false; // also when there are no words yet
    return ((this.words![pfn >>> WORD_BIT_SHIFT]! >>> (pfn & (WORD_BIT_COUNT - 1))) & 1) === 1;
  }

  /** Sets the bit; true when it was clear before. */
  add(pfn: number): boolean {
    const words = (this.words ??= new Uint32Array(wordCountFor(this.pageCountCapacity)));
    const index = pfn >>> WORD_BIT_SHIFT;
    const mask = (1 << (pfn & (WORD_BIT_COUNT - 1))) >>> 0;
    const word = words[index]!;
    if ((word & mask) !== 0) return false;
    words[index] = word | mask;
    this.setCount++;
    return true;
  }

  /** Clears the bit; true when it was set before. */
  delete(pfn: number): boolean {
    if (this.setCount === 0) return false; // also when there are no words yet
    const words = this.words!;
    const index = pfn >>> WORD_BIT_SHIFT;
    const mask = (1 << (pfn & (WORD_BIT_COUNT - 1))) >>> 0;
    const word = words[index]!;
    if ((word & mask) === 0) return false;
    words[index] = word & ~mask;
    this.setCount--;
    return true;
  }

  /** Sets every bit in [pfnStart, pfnEnd). */
  addRange(pfnStart: number, pfnEnd: number): void {
    this.assertRange(pfnStart, pfnEnd);
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) this.add(pfn);
  }

  /** Clears every bit in [pfnStart, pfnEnd); returns how many were set. */
  deleteRange(pfnStart: number, pfnEnd: number): number {
    this.assertRange(pfnStart, pfnEnd);
    const countBefore = this.setCount;
    let pfn = pfnStart;
    // Nothing set (no words yet, or all cleared): nothing to clear, and no word to sweep.
    while (pfn < pfnEnd && this.setCount !== 0) {
      const wordStart = pfn & ~(WORD_BIT_COUNT - 1);
      if (pfn === wordStart && pfn + WORD_BIT_COUNT <= pfnEnd) {
        const index = pfn >>> WORD_BIT_SHIFT;
        this.setCount -= popcount32(this.words![index]!);
        this.words![index] = 0;
        pfn += WORD_BIT_COUNT;
      } else {
        this.delete(pfn);
        pfn++;
      }
    }
    return countBefore - this.setCount;
  }

  /** The set pfns in ascending order, then clears them all (one pass, skipping zero words). */
  drain(): Uint32Array {
    const pfns = new Uint32Array(this.setCount);
    const words = this.words;
    let found = 0;
    for (let index = 0; words !== undefined && found < pfns.length; index++) {
      let word = words[index]!;
      if (word === 0) continue;
      words[index] = 0;
      const base = index << WORD_BIT_SHIFT;
      while (word !== 0) {
        const lowest = word & -word;
        pfns[found++] = base + 31 - Math.clz32(lowest);
        word ^= lowest;
      }
    }
    this.setCount = 0;
    return pfns;
  }

  /** Changes the capacity; bits at or beyond a smaller capacity must already be clear. */
  resize(pageCountCapacity: number): void {
    if (pageCountCapacity < this.pageCountCapacity) {
      assert(this.deleteRange(pageCountCapacity, this.pageCountCapacity) === 0, "resize drops set bits");
    }
    this.pageCountCapacity = pageCountCapacity;
    if (this.words === undefined) return; // the first add makes them at the new capacity
    const words = new Uint32Array(wordCountFor(pageCountCapacity));
    words.set(this.words.subarray(0, Math.min(words.length, this.words.length)));
    this.words = words;
  }

  private assertRange(pfnStart: number, pfnEnd: number): void {
    assert(
      Number.isInteger(pfnStart) && Number.isInteger(pfnEnd) && 0 <= pfnStart && pfnStart <= pfnEnd,
      `bad pfn range [${pfnStart}, ${pfnEnd})`,
    );
    assert(
      pfnEnd <= this.pageCountCapacity,
      `pfn range end ${pfnEnd} beyond capacity ${this.pageCountCapacity}`,
    );
  }
}

function wordCountFor(pageCount: number): number {
  return Math.ceil(pageCount / WORD_BIT_COUNT);
}

export function popcount32(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
