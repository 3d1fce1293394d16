import { describe, expect, it } from "vitest";
import { Prng } from "../prng.js";
import { PAGE_SIZE_BYTES } from "../units.js";
import { GuestMemory } from "./guest-memory.js";
import { CHUNK_PAGE_COUNT, offloadGuestStores } from "./page-store.js";
import { STORE_RING_ENTRY_COUNT, StoreWorker } from "./store-worker.js";
import { xxh64 } from "./xxhash.js";

describe("StoreWorker", () => {
  it("applies stores in queue order across ring wraps, the last store to a word winning", () => {
    const worker = new StoreWorker();
    const chunkWordCount = 4096;
    const chunks = [0, 1].map(() => Buffer.from(new SharedArrayBuffer(chunkWordCount * 4)));
    const ids = chunks.map((bytes) => worker.register(bytes));
    expect(worker.register(chunks[0]!)).toBe(ids[0]);
    const model = chunks.map(() => new Uint32Array(chunkWordCount));
    const prng = new Prng(7);
    const storeCount = STORE_RING_ENTRY_COUNT * 2 + 123; // wraps the ring twice: the main thread waits for room
    for (let i = 0; i < storeCount; i++) {
      const chunk = prng.nextInt(2);
      const word = prng.nextInt(chunkWordCount / 2) * 2; // few words: many overwrites
      worker.push(ids[chunk]!, word, i, i ^ 0xffff_ffff);
      model[chunk]![word] = i;
      model[chunk]![word + 1] = (i ^ 0xffff_ffff) >>> 0;
    }
    worker.waitFor(worker.position);
    chunks.forEach((bytes, chunk) => expect(new Uint32Array(bytes.buffer)).toEqual(model[chunk]));
  });

  it("knows a chunk again only once registered again after forget", () => {
    const worker = new StoreWorker();
    const bytes = Buffer.from(new SharedArrayBuffer(64));
    const id = worker.register(bytes);
    worker.push(id, 2, 5, 6);
    worker.waitFor(worker.position);
    worker.forget(bytes);
    const idAgain = worker.register(bytes);
    expect(idAgain).not.toBe(id);
    worker.push(idAgain, 4, 7, 8);
    worker.waitFor(worker.position);
    expect([...new Uint32Array(bytes.buffer)]).toEqual([0, 0, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("refuses a chunk that is not a whole SharedArrayBuffer", () => {
    const worker = new StoreWorker();
    expect(() => worker.register(Buffer.alloc(64))).toThrow(/SharedArrayBuffer/);
  });
});

describe("GuestMemory with offloaded stores", () => {
  it("reads, copies, hashes and releases exactly what in-place stores would have left", () => {
    offloadGuestStores();
    const pageCount = CHUNK_PAGE_COUNT * 2 + 5;
    const memory = new GuestMemory(pageCount, pageCount);
    const model = new Uint8Array(pageCount * PAGE_SIZE_BYTES);
    const modelWords = new Uint32Array(model.buffer);
    const prng = new Prng(11);
    const batch = new Uint32Array(1024 * 4);
    for (let round = 0; round < 40; round++) {
      const storeCount = 1 + prng.nextInt(1024);
      for (let i = 0; i < storeCount; i++) {
        const pfn = prng.nextInt(round < 20 ? 64 : pageCount); // the first rounds overwrite a few pages
        const word = prng.nextInt(PAGE_SIZE_BYTES / 8) * 2;
        const low = prng.nextInt(0x1_0000_0000);
        const high = prng.nextInt(0x1_0000_0000);
        batch.set([pfn, word, low, high], i * 4);
        modelWords[pfn * (PAGE_SIZE_BYTES / 4) + word] = low;
        modelWords[pfn * (PAGE_SIZE_BYTES / 4) + word + 1] = high;
      }
      memory.writeU64Batch(batch, storeCount);
      // Every kind of read right after the stores, without waiting for anything else.
      const pfn = batch[(storeCount - 1) * 4]!;
      const modelPage = model.subarray(pfn * PAGE_SIZE_BYTES, (pfn + 1) * PAGE_SIZE_BYTES);
      expect(Buffer.from(memory.readPage(pfn)).equals(modelPage)).toBe(true);
      const copy = new Uint8Array(PAGE_SIZE_BYTES);
      memory.copyPageTo(pfn, copy, 0);
      expect(Buffer.from(copy).equals(modelPage)).toBe(true);
      expect(memory.pageChecksum(pfn)).toBe(xxh64(modelPage));
      if (round % 10 === 9) {
        expect(memory.checksum()).toBe(xxh64(model).toString(16).padStart(16, "0"));
        // A released page reads as zero, also after later queued stores elsewhere.
        memory.setPageCount(pageCount - 3);
        model.fill(0, (pageCount - 3) * PAGE_SIZE_BYTES);
        memory.setPageCount(pageCount);
      }
    }
    expect(memory.checksum()).toBe(xxh64(model).toString(16).padStart(16, "0"));
    memory.release();
  });
});
