import { Xxh64, xxh64 } from "@node-rs/xxhash";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../units.js";
import { GuestMemory } from "./guest-memory.js";
import { CHUNK_BYTE_COUNT, CHUNK_PAGE_COUNT } from "./page-store.js";
import { ZERO_PAGE_CHECKSUM } from "./zero-page.js";

function pageOf(byte: number): Uint8Array {
  return new Uint8Array(PAGE_SIZE_BYTES).fill(byte);
}

/** Hashes the memory page by page through readPage, independently of checksum()'s chunk walk. */
function recomputeChecksum(memory: GuestMemory): string {
  const hasher = new Xxh64();
  for (let pfn = 0; pfn < memory.pageCount; pfn++) hasher.update(memory.readPage(pfn));
  return hasher.digest().toString(16).padStart(16, "0");
}

describe("GuestMemory storage", () => {
  it("reads never-written pages as zero without allocating", () => {
    const memory = new GuestMemory(2 * CHUNK_PAGE_COUNT, 2 * CHUNK_PAGE_COUNT);
    expect(memory.readPage(CHUNK_PAGE_COUNT + 7).every((b) => b === 0)).toBe(true);
    expect(memory.isPopulated(0)).toBe(false);
    expect(memory.populatedPageCount()).toBe(0);
    expect(memory.residentBytes()).toBe(0);
  });

  it("makes writes visible and allocates only the chunk written", () => {
    const memory = new GuestMemory(3 * CHUNK_PAGE_COUNT, 3 * CHUNK_PAGE_COUNT);
    memory.writePage(CHUNK_PAGE_COUNT + 1, pageOf(0xab));
    memory.writeU64(5, 8, 0x1_0000_0002);
    expect(memory.readPage(CHUNK_PAGE_COUNT + 1)[100]).toBe(0xab);
    expect([...memory.readPage(5).subarray(8, 16)]).toEqual([2, 0, 0, 0, 1, 0, 0, 0]);
    expect(memory.populatedPageCount()).toBe(2);
    expect(memory.residentBytes()).toBe(2 * CHUNK_BYTE_COUNT);
  });

  it("sizes a small guest's only chunk to the guest", () => {
    const memory = new GuestMemory(16, 16);
    memory.writeU64(15, 0, 1);
    expect(memory.residentBytes()).toBe(16 * PAGE_SIZE_BYTES);
  });

  it("copies a page into a caller buffer at an offset, zeros for an unpopulated page", () => {
    const memory = new GuestMemory(8, 8);
    memory.writePage(3, pageOf(7));
    const target = new Uint8Array(3 * PAGE_SIZE_BYTES).fill(0xff);
    memory.copyPageTo(3, target, PAGE_SIZE_BYTES);
    memory.copyPageTo(4, target, 2 * PAGE_SIZE_BYTES);
    expect(target[0]).toBe(0xff);
    expect(target.subarray(PAGE_SIZE_BYTES, 2 * PAGE_SIZE_BYTES).every((b) => b === 7)).toBe(true);
    expect(target.subarray(2 * PAGE_SIZE_BYTES).every((b) => b === 0)).toBe(true);
    expect(() => memory.copyPageTo(3, target, 2 * PAGE_SIZE_BYTES + 1)).toThrow(/overruns/);
  });

  it("unpopulates a page written with zeros and frees its chunk when empty", () => {
    const memory = new GuestMemory(8, 8);
    memory.writePage(2, pageOf(1));
    memory.writePage(2, pageOf(0));
    expect(memory.isPopulated(2)).toBe(false);
    expect(memory.residentBytes()).toBe(0);
    expect(memory.pageChecksum(2)).toBe(ZERO_PAGE_CHECKSUM);
  });

  it("throws on pfns outside [0, pageCount) and on misaligned u64 writes", () => {
    const memory = new GuestMemory(8, 16);
    expect(() => memory.readPage(8)).toThrow(/pfn 8 outside/);
    expect(() => memory.writeU64(-1, 0, 1)).toThrow(/pfn -1/);
    expect(() => memory.writeU64(1.5, 0, 1)).toThrow(/pfn 1.5/);
    expect(() => memory.writeU64(0, 4, 1)).toThrow(/aligned/);
    expect(() => memory.writeU64(0, PAGE_SIZE_BYTES, 1)).toThrow(/aligned/);
    expect(() => memory.writePage(0, new Uint8Array(10))).toThrow(/10 bytes/);
    expect(() => new GuestMemory(17, 16)).toThrow(/page count 17/);
  });
});

describe("GuestMemory.writeU64Batch", () => {
  it("stores each u64 little-endian in order (the last store to a word wins) and marks the pages dirty", () => {
    const memory = new GuestMemory(CHUNK_PAGE_COUNT + 8, CHUNK_PAGE_COUNT + 8);
    memory.enableLogDirty();
    const stores = Uint32Array.of(
      3,
      2,
      0x0403_0201,
      0x0807_0605,
      CHUNK_PAGE_COUNT + 1,
      1022,
      9,
      1,
      3,
      2,
      7,
      0,
    );
    memory.writeU64Batch(stores, 3);
    expect([...memory.readPage(3).subarray(8, 16)]).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
    expect([...memory.readPage(CHUNK_PAGE_COUNT + 1).subarray(4088)]).toEqual([9, 0, 0, 0, 1, 0, 0, 0]);
    expect(memory.populatedPageCount()).toBe(2);
    expect([...memory.cleanDirty()]).toEqual([3, CHUNK_PAGE_COUNT + 1]);
  });

  it("refuses a bad store before making any: pfn out of range, odd or out-of-page word, short array", () => {
    const memory = new GuestMemory(8, 16);
    const before = memory.checksum();
    expect(() => memory.writeU64Batch(Uint32Array.of(1, 0, 1, 0, 8, 0, 1, 0), 2)).toThrow(/pfn 8 outside/);
    expect(() => memory.writeU64Batch(Uint32Array.of(1, 0, 1, 0, 2, 3, 1, 0), 2)).toThrow(/aligned/);
    expect(() => memory.writeU64Batch(Uint32Array.of(2, 1024, 1, 0), 1)).toThrow(/aligned/);
    expect(() => memory.writeU64Batch(Uint32Array.of(2, 0, 1, 0), 2)).toThrow(/overruns/);
    expect(memory.checksum()).toBe(before);
    expect(memory.populatedPageCount()).toBe(0);
  });
});

describe("GuestMemory checksums", () => {
  it("hashes fresh memory like the same number of zero bytes", () => {
    const pageCount = CHUNK_PAGE_COUNT + 3;
    const memory = new GuestMemory(pageCount, pageCount);
    const expected = xxh64(new Uint8Array(pageCount * PAGE_SIZE_BYTES))
      .toString(16)
      .padStart(16, "0");
    expect(memory.checksum()).toBe(expected);
    expect(memory.pageChecksum(0)).toBe(xxh64(new Uint8Array(PAGE_SIZE_BYTES)));
  });

  it("changes on a write and equals a page-by-page recomputation", () => {
    const memory = new GuestMemory(CHUNK_PAGE_COUNT + 10, 2 * CHUNK_PAGE_COUNT);
    const before = memory.checksum();
    memory.writeU64(CHUNK_PAGE_COUNT + 9, 16, 42);
    const after = memory.checksum();
    expect(after).not.toBe(before);
    expect(after).toBe(recomputeChecksum(memory));
    expect(memory.pageChecksum(CHUNK_PAGE_COUNT + 9)).toBe(xxh64(memory.readPage(CHUNK_PAGE_COUNT + 9)));
  });

  it("catches a caller that wrote into the shared zero page", () => {
    const memory = new GuestMemory(4, 4);
    const zero = memory.readPage(0) as Uint8Array;
    zero[0] = 1;
    try {
      expect(() => memory.checksum()).toThrow(/ZERO_PAGE was written/);
    } finally {
      zero[0] = 0;
    }
  });
});

describe("GuestMemory checksum of a memory never written", () => {
  it("equals the page-by-page hash for each size, also after pages were written and zeroed", () => {
    for (const pageCount of [1, 7, CHUNK_PAGE_COUNT + 3]) {
      const memory = new GuestMemory(pageCount, pageCount);
      expect(memory.checksum()).toBe(recomputeChecksum(memory));
      expect(memory.checksum()).toBe(recomputeChecksum(memory)); // the kept one, too
      memory.writeU64(pageCount - 1, 0, 9);
      expect(memory.checksum()).not.toBe(new GuestMemory(pageCount, pageCount).checksum());
      memory.writePage(pageCount - 1, new Uint8Array(PAGE_SIZE_BYTES));
      expect(memory.checksum()).toBe(recomputeChecksum(memory));
    }
  });
});

describe("GuestMemory ballooning", () => {
  it("zeroes and frees pages above the new size and reads them as zero after growing back", () => {
    const memory = new GuestMemory(2 * CHUNK_PAGE_COUNT, 2 * CHUNK_PAGE_COUNT);
    const fresh = memory.checksum();
    memory.writeU64(10, 0, 1);
    memory.writeU64(CHUNK_PAGE_COUNT + 10, 0, 1);
    memory.setPageCount(CHUNK_PAGE_COUNT + 5);
    expect(memory.populatedPageCount()).toBe(1);
    expect(memory.residentBytes()).toBe(CHUNK_BYTE_COUNT);
    expect(() => memory.readPage(CHUNK_PAGE_COUNT + 10)).toThrow(/outside/);
    memory.setPageCount(2 * CHUNK_PAGE_COUNT);
    expect(memory.isPopulated(CHUNK_PAGE_COUNT + 10)).toBe(false);
    memory.setPageCount(5);
    expect(memory.populatedPageCount()).toBe(0);
    memory.setPageCount(2 * CHUNK_PAGE_COUNT);
    expect(memory.checksum()).toBe(fresh);
    expect(() => memory.setPageCount(2 * CHUNK_PAGE_COUNT + 1)).toThrow(/page count/);
  });

  it("raises maxmem keeping contents, and refuses maxmem below the current size", () => {
    const memory = new GuestMemory(10, 10);
    memory.writePage(9, pageOf(3));
    memory.setPageCountMax(CHUNK_PAGE_COUNT + 10);
    memory.setPageCount(CHUNK_PAGE_COUNT + 10);
    memory.writeU64(CHUNK_PAGE_COUNT - 1, 0, 5);
    expect(memory.readPage(9)[0]).toBe(3);
    expect(memory.checksum()).toBe(recomputeChecksum(memory));
    expect(() => memory.setPageCountMax(CHUNK_PAGE_COUNT)).toThrow(/page count/);
  });

  it("frees everything on release and refuses use afterwards", () => {
    const memory = new GuestMemory(10, 10);
    memory.writePage(1, pageOf(1));
    memory.release();
    expect(memory.residentBytes()).toBe(0);
    expect(memory.populatedPageCount()).toBe(0);
    expect(() => memory.readPage(1)).toThrow(/outside/);
    expect(() => memory.setPageCount(5)).toThrow(/after release/);
  });
});

describe("GuestMemory log-dirty", () => {
  it("marks exactly the pages written while on, and cleanDirty hands them over once", () => {
    const memory = new GuestMemory(CHUNK_PAGE_COUNT * 2, CHUNK_PAGE_COUNT * 2);
    memory.writeU64(1, 0, 1);
    memory.enableLogDirty();
    expect(memory.isLogDirty()).toBe(true);
    memory.writeU64(CHUNK_PAGE_COUNT + 3, 0, 1);
    memory.writePage(7, pageOf(9));
    memory.writeU64(7, 8, 2);
    memory.writePage(2, pageOf(0));
    expect(memory.peekDirtyCount()).toBe(3);
    expect(memory.peekDirtyCount()).toBe(3);
    expect([...memory.cleanDirty()]).toEqual([2, 7, CHUNK_PAGE_COUNT + 3]);
    expect(memory.peekDirtyCount()).toBe(0);
    expect(memory.cleanDirty().length).toBe(0);
    memory.writeU64(1, 0, 3);
    expect([...memory.cleanDirty()]).toEqual([1]);
  });

  it("marks nothing while off and refuses to be enabled twice", () => {
    const memory = new GuestMemory(64, 64);
    memory.enableLogDirty();
    expect(() => memory.enableLogDirty()).toThrow(/already enabled/);
    memory.disableLogDirty();
    memory.disableLogDirty();
    memory.writeU64(3, 0, 1);
    expect(() => memory.cleanDirty()).toThrow(/log-dirty off/);
    memory.enableLogDirty();
    expect(memory.peekDirtyCount()).toBe(0);
  });

  it("forgets dirty pages ballooned away and marks pages ballooned back", () => {
    const memory = new GuestMemory(64, 64);
    memory.enableLogDirty();
    memory.writeU64(3, 0, 1);
    memory.writeU64(60, 0, 1);
    memory.setPageCount(40);
    expect(memory.peekDirtyCount()).toBe(1);
    memory.setPageCount(42);
    expect([...memory.cleanDirty()]).toEqual([3, 40, 41]);
  });
});
