import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { CHUNK_PAGE_COUNT } from "../memory/page-store.js";
import { Prng } from "../prng.js";
import { writeRandomWord, writeRandomWords } from "./page-writes.js";

describe("writeRandomWords", () => {
  it("makes the same stores, in the same order, as one writeRandomWord per store", () => {
    const pageCount = CHUNK_PAGE_COUNT + 300; // two chunks, the second partly
    const batched = new GuestMemory(pageCount, pageCount);
    const single = new GuestMemory(pageCount, pageCount);
    batched.enableLogDirty();
    single.enableLogDirty();
    const prngBatched = new Prng(9);
    const prngSingle = new Prng(9);
    // 2,500 stores over 40 pages: many hit the same word twice, so the order shows.
    for (const [pfnStart, span, count] of [
      [CHUNK_PAGE_COUNT - 20, 40, 2500],
      [0, pageCount, 3000],
      [7, 1, 5],
    ] as const) {
      writeRandomWords(batched, pfnStart, span, count, prngBatched);
      for (let i = 0; i < count; i++)
        writeRandomWord(single, pfnStart + prngSingle.nextInt(span), prngSingle);
    }
    expect(batched.checksum()).toBe(single.checksum());
    expect(batched.populatedPageCount()).toBe(single.populatedPageCount());
    expect([...batched.cleanDirty()]).toEqual([...single.cleanDirty()]);
    expect(prngBatched.nextU32()).toBe(prngSingle.nextU32());
  });

  it("refuses a range past the memory's end and changes nothing", () => {
    const memory = new GuestMemory(64, 64);
    const before = memory.checksum();
    expect(() => writeRandomWords(memory, 60, 8, 500, new Prng(1))).toThrow(/pfn 6\d outside/);
    expect(memory.checksum()).toBe(before);
    expect(memory.populatedPageCount()).toBe(0);
  });
});
