import { describe, expect, it } from "vitest";
import { ChunkPool } from "./chunk-pool.js";
import { GuestMemory } from "./guest-memory.js";
import { CHUNK_PAGE_COUNT, HOST_CHUNK_POOL, PageStore } from "./page-store.js";
import { PAGE_SIZE_BYTES } from "../units.js";

describe("ChunkPool", () => {
  it("hands a given-back chunk out again, scrubbed", () => {
    const pool = new ChunkPool(64, 2);
    const bytes = pool.take(64).fill(7);
    pool.give(bytes);
    expect(pool.freeCount).toBe(1);
    const again = pool.take(64);
    expect(again).toBe(bytes);
    expect(again.every((b) => b === 0)).toBe(true);
    expect(pool.freeCount).toBe(0);
  });

  it("keeps at most chunkCountMax chunks and only chunks of its size", () => {
    const pool = new ChunkPool(64, 1);
    pool.give(pool.take(32));
    expect(pool.freeCount).toBe(0);
    const [first, second] = [pool.take(64), pool.take(64)];
    pool.give(first);
    pool.give(second);
    expect(pool.freeCount).toBe(1);
    expect(pool.take(32).byteLength).toBe(32);
    expect(pool.freeCount).toBe(1);
  });

  it("hands a chunk given back scrubbed out again without a memset", () => {
    const pool = new ChunkPool(64, 2);
    const bytes = pool.take(64).fill(7); // a caller that says scrubbed is trusted: the 7s show it
    pool.give(bytes, true);
    expect(pool.take(64).every((b) => b === 7)).toBe(true);
    pool.give(bytes);
    expect(pool.take(64).every((b) => b === 0)).toBe(true);
  });

  it("refuses a chunk given back twice", () => {
    const pool = new ChunkPool(64, 4);
    const bytes = pool.take(64);
    pool.give(bytes);
    expect(() => pool.give(bytes)).toThrow(/twice/);
  });
});

describe("PageStore with a chunk pool", () => {
  it("reuses a destroyed guest's chunks, and the new guest reads zeros", () => {
    const pool = new ChunkPool(CHUNK_PAGE_COUNT * PAGE_SIZE_BYTES, 4);
    const first = new PageStore(2 * CHUNK_PAGE_COUNT, pool);
    first.writePage(3, new Uint8Array(PAGE_SIZE_BYTES).fill(9));
    first.writePage(CHUNK_PAGE_COUNT, new Uint8Array(PAGE_SIZE_BYTES).fill(8));
    first.releaseAll();
    expect(pool.freeCount).toBe(2);
    const second = new PageStore(2 * CHUNK_PAGE_COUNT, pool);
    second.writeU64(5, 0, 1, 0);
    expect(pool.freeCount).toBe(1);
    expect(second.readPage(3).every((b) => b === 0)).toBe(true);
    expect(second.isPopulated(3)).toBe(false);
  });

  it("scrubs the written pages of the chunks it gives back, so they come out of the pool all zero", () => {
    const pool = new ChunkPool(CHUNK_PAGE_COUNT * PAGE_SIZE_BYTES, 4);
    const store = new PageStore(2 * CHUNK_PAGE_COUNT, pool);
    store.writePage(3, new Uint8Array(PAGE_SIZE_BYTES).fill(9));
    store.writeU64(CHUNK_PAGE_COUNT - 1, 4088, 1, 2);
    store.writeU64(CHUNK_PAGE_COUNT + 7, 0, 3, 4);
    store.releaseAll();
    expect(pool.freeCount).toBe(2);
    for (const bytes of [pool.take(pool.chunkByteCount), pool.take(pool.chunkByteCount)])
      expect(bytes.every((b) => b === 0)).toBe(true);
  });

  it("gives a chunk back once its last page is released", () => {
    const pool = new ChunkPool(CHUNK_PAGE_COUNT * PAGE_SIZE_BYTES, 4);
    const store = new PageStore(CHUNK_PAGE_COUNT, pool);
    store.writeU64(1, 0, 1, 0);
    store.releaseRange(0, CHUNK_PAGE_COUNT);
    expect(pool.freeCount).toBe(1);
    expect(store.residentBytes()).toBe(0);
  });

  it("is the host pool by default, which GuestMemory uses", () => {
    const memory = new GuestMemory(CHUNK_PAGE_COUNT, CHUNK_PAGE_COUNT);
    memory.writeU64(0, 0, 1);
    const freeWhileInUse = HOST_CHUNK_POOL.freeCount;
    memory.release();
    expect(HOST_CHUNK_POOL.freeCount).toBe(Math.min(freeWhileInUse + 1, HOST_CHUNK_POOL.chunkCountMax));
  });
});

// Real memory: what the host process holds for guests is accounted, and what is freed above the
// small pool goes back to the OS (is no longer held), measured by the pool's own accounting.
describe("real memory held for guest pages", () => {
  const CHUNK = CHUNK_PAGE_COUNT * PAGE_SIZE_BYTES;

  it("counts chunks in use and pooled, and holds at most the pool after a large guest is gone", () => {
    const pool = new ChunkPool(CHUNK, 2);
    const guest = new PageStore(6 * CHUNK_PAGE_COUNT, pool);
    for (let chunk = 0; chunk < 6; chunk++) guest.writeU64(chunk * CHUNK_PAGE_COUNT, 0, 1, 0);
    expect(pool.byteCountInUse).toBe(6 * CHUNK);
    expect(pool.byteCountHeld).toBe(6 * CHUNK);
    guest.releaseAll();
    expect(pool.byteCountInUse).toBe(0);
    expect(pool.byteCountHeld).toBe(2 * CHUNK); // 4 of the 6 chunks went back to the OS
  });

  it("takes a pooled chunk without holding more", () => {
    const pool = new ChunkPool(CHUNK, 2);
    pool.give(pool.take(CHUNK));
    expect(pool.byteCountHeld).toBe(CHUNK);
    const store = new PageStore(CHUNK_PAGE_COUNT, pool);
    store.writeU64(0, 0, 1, 0);
    expect(pool.byteCountInUse).toBe(CHUNK);
    expect(pool.byteCountHeld).toBe(CHUNK);
  });

  it("counts partial chunks (a guest smaller than a chunk, then grown) exactly", () => {
    const pool = new ChunkPool(CHUNK, 2);
    const store = new PageStore(16, pool);
    store.writeU64(0, 0, 1, 0);
    expect(pool.byteCountInUse).toBe(16 * PAGE_SIZE_BYTES);
    store.resize(32);
    store.writeU64(20, 0, 1, 0);
    expect(pool.byteCountInUse).toBe(32 * PAGE_SIZE_BYTES);
    store.releaseAll();
    expect(pool.byteCountInUse).toBe(0);
  });
});
