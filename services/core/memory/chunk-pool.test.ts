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
    pool.give(Buffer.alloc(32));
    expect(pool.freeCount).toBe(0);
    pool.give(Buffer.alloc(64));
    pool.give(Buffer.alloc(64));
    expect(pool.freeCount).toBe(1);
    expect(pool.take(32).byteLength).toBe(32);
    expect(pool.freeCount).toBe(1);
  });

  it("refuses a chunk given back twice", () => {
    const pool = new ChunkPool(64, 4);
    const bytes = Buffer.alloc(64);
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
