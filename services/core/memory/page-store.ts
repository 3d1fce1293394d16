import type { Xxh64 } from "./xxhash.js";
import { assert } from "../errors.js";
import { PAGE_SHIFT, PAGE_SIZE_BYTES } from "../units.js";
import { ChunkPool } from "./chunk-pool.js";
import { PageBitmap } from "./page-bitmap.js";
import { StoreWorker } from "./store-worker.js";
import { fullCollection } from "../full-collection.js";
import { ZERO_PAGE, type PageBytes, zeroBytes } from "./zero-page.js";

/** Pages per storage chunk: 4096 pages = 16 MiB, allocated on the first write into it. */
export const CHUNK_PAGE_SHIFT = 12;
export const CHUNK_PAGE_COUNT = 1 << CHUNK_PAGE_SHIFT;
export const CHUNK_BYTE_COUNT = CHUNK_PAGE_COUNT * PAGE_SIZE_BYTES;
/** u32 words per page as a shift: 4096 bytes = 1 << 10 words. */
const PAGE_U32_SHIFT = PAGE_SHIFT - 2;
/**
 * Freed chunks a host process keeps for reuse: 8 x 16 MiB = 128 MiB, enough to take in a small
 * guest without page faults; whatever is freed beyond it goes back to the OS.
 */
export const FREE_CHUNK_COUNT_MAX = 8;

/** The free chunks of every PageStore in this process (one host, or a whole simulated cluster). */
export const HOST_CHUNK_POOL = new ChunkPool(CHUNK_BYTE_COUNT, FREE_CHUNK_COUNT_MAX);

/** Chunk bytes dropped past the pool, with the store worker on, that make the process collect its garbage. */
export const DROPPED_BYTE_COUNT_COLLECT = 256 * 1024 * 1024;

/** The thread that applies this process's batched guest stores, once offloadGuestStores() started it. */
let storeWorker: StoreWorker | undefined;

/**
 * From now on, batched guest stores (writeU64Batch) are applied by a worker thread, in order, and
 * every other access to a page store waits for that store's queued stores first: the same bytes
 * at every read, the page faults and cache misses on another core. Chunks are SharedArrayBuffers
 * from now on; chunks allocated before keep being written in place.
 */
export function offloadGuestStores(): void {
  if (storeWorker !== undefined) return;
  // A dropped SharedArrayBuffer is freed only when V8 collects it, and unlike Buffer.alloc's memory
  // it does not hurry V8's GC: collect once enough was dropped (what returnDroppedMemory does for a
  // host). Fetched before the worker starts, which sets the same V8 flag for its own.
  const collect = fullCollection();
  const worker = new StoreWorker();
  storeWorker = worker;
  HOST_CHUNK_POOL.shared = true;
  let byteCountDroppedSinceCollect = 0;
  HOST_CHUNK_POOL.onDrop = (bytes) => {
    worker.forget(bytes);
    byteCountDroppedSinceCollect += bytes.byteLength;
    if (byteCountDroppedSinceCollect < DROPPED_BYTE_COUNT_COLLECT) return;
    byteCountDroppedSinceCollect = 0;
    collect();
  };
}

/** Returns once every guest store queued so far is applied (benches: the work is done, not only queued). */
export function waitForGuestStores(): void {
  storeWorker?.waitFor(storeWorker.position);
}

interface Chunk {
  /** Zero-filled on allocation (calloc), so pages never written are not resident on the host. */
  bytes: Buffer;
  view: DataView;
  /** The same bytes as host-endian u32s, for batched stores (little-endian asserted below). */
  words: Uint32Array;
  populatedPageCount: number;
  /** The store worker's id for it, or -1: stores into it are made in place. */
  workerId: number;
}

/**
 * Page contents in lazily allocated chunks plus a populated bitmap. Invariant: a page that is not
 * populated is all zero in its chunk (or has no chunk), so whole chunks can be hashed as they are.
 * Trusts its caller (GuestMemory) to pass pfns below `pageCountCapacity`.
 */
export class PageStore {
  private readonly chunks: (Chunk | undefined)[] = [];
  private readonly populated: PageBitmap;
  private chunkByteCountTotal = 0;
  /** Stores queued to the store worker and maybe not yet applied: up to this worker position. */
  private storesPending = false;
  private storesPendingUntil = 0;

  constructor(
    private pageCountCapacity: number,
    private readonly pool: ChunkPool = HOST_CHUNK_POOL,
  ) {
    this.populated = new PageBitmap(pageCountCapacity);
  }

  isPopulated(pfn: number): boolean {
    return this.populated.has(pfn);
  }

  populatedPageCount(): number {
    return this.populated.count;
  }

  /** Bytes of chunks allocated (an upper bound on what the host really has resident). */
  residentBytes(): number {
    return this.chunkByteCountTotal;
  }

  readPage(pfn: number): PageBytes {
    this.settle();
    const chunk = this.chunks[pfn >>> CHUNK_PAGE_SHIFT];
    if (chunk === undefined || !this.populated.has(pfn)) return ZERO_PAGE;
    // A plain Uint8Array view: Buffer#subarray costs several times more per call.
    return new Uint8Array(chunk.bytes.buffer, chunk.bytes.byteOffset + pageByteOffset(pfn), PAGE_SIZE_BYTES);
  }

  copyPageTo(pfn: number, target: Uint8Array, targetByteOffset: number): void {
    this.settle();
    const chunk = this.chunks[pfn >>> CHUNK_PAGE_SHIFT];
    if (chunk === undefined || !this.populated.has(pfn)) {
      target.fill(0, targetByteOffset, targetByteOffset + PAGE_SIZE_BYTES);
      return;
    }
    const start = pageByteOffset(pfn);
    chunk.bytes.copy(target, targetByteOffset, start, start + PAGE_SIZE_BYTES);
  }

  writePage(pfn: number, bytes: PageBytes): void {
    this.settle();
    const chunk = this.populate(pfn);
    chunk.bytes.set(bytes, pageByteOffset(pfn));
  }

  /** Stores a little-endian u64 given as two u32 halves at `byteOffset` inside the page. */
  writeU64(pfn: number, byteOffset: number, low32: number, high32: number): void {
    this.settle();
    const chunk = this.populate(pfn);
    const at = pageByteOffset(pfn) + byteOffset;
    chunk.view.setUint32(at, low32, true);
    chunk.view.setUint32(at + 4, high32, true);
  }

  /**
   * GuestMemory.writeU64Batch's stores (pfn, u32 word in the page, low, high; checked there), in
   * order, through each chunk's u32 view (or queued to the store worker, offloadGuestStores): one
   * loop, no call per store.
   */
  writeU64Batch(stores: Uint32Array, storeCount: number): void {
    const worker = storeWorker;
    const chunks = this.chunks;
    const populated = this.populated;
    const u32End = storeCount * 4;
    let queued = false;
    for (let at = 0; at < u32End; at += 4) {
      const pfn = stores[at]!;
      const chunk = chunks[pfn >>> CHUNK_PAGE_SHIFT] ?? this.allocateChunk(pfn >>> CHUNK_PAGE_SHIFT);
      if (populated.add(pfn)) chunk.populatedPageCount++;
      const word = ((pfn & (CHUNK_PAGE_COUNT - 1)) << PAGE_U32_SHIFT) + stores[at + 1]!;
      if (worker !== undefined && chunk.workerId >= 0) {
        // The bits are set above; the bytes follow on the worker, in this order.
        worker.push(chunk.workerId, word, stores[at + 2]!, stores[at + 3]!);
        queued = true;
      } else {
        this.settle(); // a chunk the worker does not know: in place, after what is queued
        chunk.words[word] = stores[at + 2]!;
        chunk.words[word + 1] = stores[at + 3]!;
      }
    }
    if (queued) {
      this.storesPending = true;
      this.storesPendingUntil = worker!.position;
    }
  }

  /** Waits until the store worker has applied this store's queued stores: memory is as written. */
  private settle(): void {
    if (!this.storesPending) return;
    storeWorker?.waitFor(this.storesPendingUntil);
    this.storesPending = false;
  }

  /** Zeroes and unpopulates every populated page in [pfnStart, pfnEnd); frees chunks left empty. */
  releaseRange(pfnStart: number, pfnEnd: number): void {
    this.settle();
    for (let pfn = pfnStart; pfn < pfnEnd;) {
      const chunkIndex = pfn >>> CHUNK_PAGE_SHIFT;
      const chunkPfnEnd = Math.min(pfnEnd, (chunkIndex + 1) << CHUNK_PAGE_SHIFT);
      const chunk = this.chunks[chunkIndex];
      if (chunk !== undefined) this.releaseInChunk(chunkIndex, chunk, pfn, chunkPfnEnd);
      pfn = chunkPfnEnd;
    }
  }

  /** Feeds pages [0, pageCount) to `hasher` in pfn order, unpopulated pages as zeros. */
  hashPages(hasher: Xxh64, pageCount: number): void {
    this.settle();
    for (let pfn = 0; pfn < pageCount; pfn += CHUNK_PAGE_COUNT) {
      const byteCount = Math.min(CHUNK_PAGE_COUNT, pageCount - pfn) * PAGE_SIZE_BYTES;
      const chunk = this.chunks[pfn >>> CHUNK_PAGE_SHIFT];
      hasher.update(chunk === undefined ? zeroBytes(byteCount) : chunk.bytes.subarray(0, byteCount));
    }
  }

  /** Changes how many pfns the store can hold; pages at or beyond a smaller capacity must be released. */
  resize(pageCountCapacity: number): void {
    this.settle();
    this.populated.resize(pageCountCapacity);
    if (this.pageCountCapacity === 0) {
      this.pageCountCapacity = pageCountCapacity;
      return;
    }
    const lastChunkIndex = (this.pageCountCapacity - 1) >>> CHUNK_PAGE_SHIFT;
    const lastChunk = this.chunks[lastChunkIndex];
    this.pageCountCapacity = pageCountCapacity;
    if (lastChunk === undefined) return;
    const byteCountNeeded = this.chunkPageCount(lastChunkIndex) * PAGE_SIZE_BYTES;
    if (byteCountNeeded <= lastChunk.bytes.length) return;
    const bytes = this.pool.take(byteCountNeeded);
    lastChunk.bytes.copy(bytes);
    this.pool.give(lastChunk.bytes);
    this.chunkByteCountTotal += bytes.length - lastChunk.bytes.length;
    this.chunks[lastChunkIndex] = chunkOf(bytes, lastChunk.populatedPageCount);
  }

  /**
   * Drops every page and chunk; the chunks go back to the pool. A chunk the pool keeps is scrubbed
   * here, its populated pages only (the rest are zero): cheaper than a memset of the whole chunk
   * when it is taken again, for a guest that wrote little of its memory.
   */
  releaseAll(): void {
    this.settle();
    this.chunks.forEach((chunk, chunkIndex) => {
      if (chunk === undefined) return;
      if (!this.pool.keeps(chunk.bytes)) this.pool.give(chunk.bytes);
      else this.releaseInChunk(chunkIndex, chunk, chunkIndex << CHUNK_PAGE_SHIFT, this.pageCountCapacity);
    });
    this.chunks.length = 0;
    this.chunkByteCountTotal = 0;
    this.populated.deleteRange(0, this.pageCountCapacity);
  }

  private populate(pfn: number): Chunk {
    const chunkIndex = pfn >>> CHUNK_PAGE_SHIFT;
    const chunk = this.chunks[chunkIndex] ?? this.allocateChunk(chunkIndex);
    if (this.populated.add(pfn)) chunk.populatedPageCount++;
    return chunk;
  }

  private allocateChunk(chunkIndex: number): Chunk {
    const bytes = this.pool.take(this.chunkPageCount(chunkIndex) * PAGE_SIZE_BYTES);
    const chunk = chunkOf(bytes, 0);
    this.chunks[chunkIndex] = chunk;
    this.chunkByteCountTotal += bytes.length;
    return chunk;
  }

  private releaseInChunk(chunkIndex: number, chunk: Chunk, pfnStart: number, pfnEnd: number): void {
    for (let pfn = pfnStart; pfn < pfnEnd && chunk.populatedPageCount > 0; pfn++) {
      if (!this.populated.delete(pfn)) continue;
      chunk.populatedPageCount--;
      const start = pageByteOffset(pfn);
      chunk.bytes.fill(0, start, start + PAGE_SIZE_BYTES);
    }
    assert(chunk.populatedPageCount >= 0, `chunk ${chunkIndex} populated count went negative`);
    if (chunk.populatedPageCount === 0) {
      this.chunks[chunkIndex] = undefined;
      this.chunkByteCountTotal -= chunk.bytes.length;
      this.pool.give(chunk.bytes, true); // every page zero: the released ones were zeroed above
    }
  }

  private chunkPageCount(chunkIndex: number): number {
    return Math.min(CHUNK_PAGE_COUNT, this.pageCountCapacity - (chunkIndex << CHUNK_PAGE_SHIFT));
  }
}

/** Byte offset of `pfn`'s page inside its chunk. */
function pageByteOffset(pfn: number): number {
  return (pfn & (CHUNK_PAGE_COUNT - 1)) << PAGE_SHIFT;
}

function chunkOf(bytes: Buffer, populatedPageCount: number): Chunk {
  const shared = storeWorker !== undefined && bytes.buffer instanceof SharedArrayBuffer;
  return {
    workerId: shared ? storeWorker!.register(bytes) : -1,
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    words: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    populatedPageCount,
  };
}

/** The u32 views store little-endian words as DataView(..., true) does: true on every platform node runs on. */
assert(new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, "guest memory needs a little-endian host");
