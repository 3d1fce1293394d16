import { newXxh64, xxh64 } from "./xxhash.js";
import { assert } from "../errors.js";
import { PAGE_SIZE_BYTES } from "../units.js";
import { PageBitmap } from "./page-bitmap.js";
import { PageStore } from "./page-store.js";
import { type PageBytes, ZERO_PAGE_CHECKSUM, assertZeroPageIntact, isZeroPage } from "./zero-page.js";

/** Most pages one guest may have: 2^28 pages = 1 TiB; pfns fit a Uint32Array with room to spare. */
export const GUEST_PAGE_COUNT_LIMIT = 1 << 28;

const U64_ALIGN_BYTES = 8;
const U32_RANGE = 0x1_0000_0000;
/** u32 words per store of writeU64Batch: pfn, word in the page, low half, high half. */
export const STORE_U32_COUNT = 4;
const PAGE_U32_COUNT = PAGE_SIZE_BYTES / 4;

/**
 * A guest's pseudo-physical memory as real bytes: pfns [0, pageCount) are the domain's allocation
 * (tot_pages), pageCountMax is maxmem. Pages never written read as zero and cost no host memory.
 *
 * Log-dirty follows Xen's paging log-dirty mode (xen/arch/x86/mm/paging.c, XEN_DOMCTL_SHADOW_OP_*):
 * while enabled every write through this class sets the page's bit; CLEAN hands the bits over and
 * clears them, PEEK counts them. A pfn outside [0, pageCount) is a caller bug and throws.
 */
export class GuestMemory {
  private pageCountNow: number;
  private pageCountMaxNow: number;
  private readonly store: PageStore;
  private dirty: PageBitmap | undefined;
  private released = false;

  constructor(pageCount: number, pageCountMax: number) {
    assertPageCountMax(pageCountMax);
    assertPageCount(pageCount, pageCountMax);
    this.pageCountNow = pageCount;
    this.pageCountMaxNow = pageCountMax;
    this.store = new PageStore(pageCountMax);
  }

  /** Pages the domain holds now (tot_pages). */
  get pageCount(): number {
    return this.pageCountNow;
  }

  /** The most pages the domain may hold (maxmem). */
  get pageCountMax(): number {
    return this.pageCountMaxNow;
  }

  /** A zero-copy view of the page; valid until the next write to it. Do not write through it. */
  readPage(pfn: number): PageBytes {
    this.assertPfn(pfn);
    return this.store.readPage(pfn);
  }

  /** Copies the page into `target` at `targetByteOffset` (the migration send path; allocates nothing). */
  copyPageTo(pfn: number, target: Uint8Array, targetByteOffset: number): void {
    this.assertPfn(pfn);
    if (!(
      Number.isInteger(targetByteOffset) &&
      targetByteOffset >= 0 &&
      targetByteOffset + PAGE_SIZE_BYTES <= target.length
    )) {
      fail(`page copy to offset ${targetByteOffset} overruns a ${target.length}-byte buffer`);
    }
    this.store.copyPageTo(pfn, target, targetByteOffset);
  }

  /** Replaces the whole page (restore, migration receive). An all-zero page is unpopulated again. */
  writePage(pfn: number, bytes: PageBytes): void {
    this.assertPfn(pfn);
    if (bytes.length !== PAGE_SIZE_BYTES) fail(`page write of ${bytes.length} bytes, not ${PAGE_SIZE_BYTES}`);
    if (isZeroPage(bytes)) this.store.releaseRange(pfn, pfn + 1);
    else this.store.writePage(pfn, bytes);
    this.dirty?.add(pfn);
  }

  /** A guest store of a little-endian u64 `value` (a safe integer >= 0) at an 8-byte-aligned offset. */
  writeU64(pfn: number, byteOffset: number, value: number): void {
    this.assertPfn(pfn);
    if (!((byteOffset & (U64_ALIGN_BYTES - 1)) === 0 && byteOffset >= 0 && byteOffset < PAGE_SIZE_BYTES)) {
      fail(`u64 write at byte offset ${byteOffset} is not 8-byte aligned inside a page`);
    }
    if (!(Number.isSafeInteger(value) && value >= 0)) fail(`u64 value ${value} is not a safe integer >= 0`);
    const low32 = value >>> 0;
    this.store.writeU64(pfn, byteOffset, low32, (value - low32) / U32_RANGE);
    this.dirty?.add(pfn);
  }

  /**
   * A batch of guest stores, in order: store i is the little-endian u64 (stores[4i+3] << 32 |
   * stores[4i+2]) at u32 word stores[4i+1] (even: 8-byte aligned) of page stores[4i]. One call per
   * workload batch: the checks of writeU64 per store, the dirty bits after the stores.
   */
  writeU64Batch(stores: Uint32Array, storeCount: number): void {
    this.assertLive();
    if (!(Number.isInteger(storeCount) && storeCount >= 0 && storeCount * STORE_U32_COUNT <= stores.length))
      fail(`u64 batch of ${storeCount} stores overruns its ${stores.length}-word array`);
    const u32End = storeCount * STORE_U32_COUNT;
    const pageCount = this.pageCountNow;
    for (let at = 0; at < u32End; at += STORE_U32_COUNT) {
      const pfn = stores[at]!;
      const word = stores[at + 1]!;
      if (!(pfn < pageCount)) throw new Error(`pfn ${pfn} outside guest memory [0, ${pageCount})`);
      if (!((word & 1) === 0 && word < PAGE_U32_COUNT))
        fail(`u64 write at byte offset ${word * 4} is not 8-byte aligned inside a page`);
    }
    this.store.writeU64Batch(stores, storeCount);
    const dirty = this.dirty;
    if (dirty !== undefined) for (let at = 0; at < u32End; at += STORE_U32_COUNT) dirty.add(stores[at]!);
  }

  isPopulated(pfn: number): boolean {
    this.assertPfn(pfn);
    return this.store.isPopulated(pfn);
  }

  populatedPageCount(): number {
    return this.store.populatedPageCount();
  }

  /** Host bytes held by allocated storage chunks. */
  residentBytes(): number {
    return this.store.residentBytes();
  }

  /** xxh64 of the page's 4096 bytes. */
  pageChecksum(pfn: number): bigint {
    this.assertPfn(pfn);
    if (!this.store.isPopulated(pfn)) return ZERO_PAGE_CHECKSUM;
    return xxh64(this.store.readPage(pfn));
  }

  /** Hex xxh64 over pages [0, pageCount) in pfn order, unpopulated pages as 4096 zero bytes. */
  checksum(): string {
    assertZeroPageIntact();
    if (this.store.populatedPageCount() === 0) return zeroMemoryChecksum(this.pageCountNow);
    const hasher = newXxh64();
    this.store.hashPages(hasher, this.pageCountNow);
    return hasher.digest().toString(16).padStart(16, "0");
  }

  /** Balloon to `pageCount` pages: shrinking zeroes and frees pfns >= pageCount, growing adds zero pages. */
  setPageCount(pageCount: number): void {
    this.assertLive();
    assertPageCount(pageCount, this.pageCountMaxNow);
    const pageCountOld = this.pageCountNow;
    if (pageCount < pageCountOld) {
      this.store.releaseRange(pageCount, pageCountOld);
      this.dirty?.deleteRange(pageCount, pageCountOld);
    } else {
      // The new pages are zero here but may not be on a migration receiver that never saw the shrink.
      this.dirty?.addRange(pageCountOld, pageCount);
    }
    this.pageCountNow = pageCount;
  }

  /** XEN_DOMCTL_max_mem: never below the pages held now. */
  setPageCountMax(pageCountMax: number): void {
    this.assertLive();
    assertPageCountMax(pageCountMax);
    assertPageCount(this.pageCountNow, pageCountMax);
    this.store.resize(pageCountMax);
    this.dirty?.resize(pageCountMax);
    this.pageCountMaxNow = pageCountMax;
  }

  /** The domain is destroyed: frees every page; any later access throws. */
  release(): void {
    this.store.releaseAll();
    this.dirty = undefined;
    this.pageCountNow = 0;
    this.released = true;
  }

  /** XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY; starts with a clean bitmap. Xen refuses it when already on. */
  enableLogDirty(): void {
    this.assertLive();
    assert(this.dirty === undefined, "log-dirty is already enabled (Xen answers EINVAL)");
    this.dirty = new PageBitmap(this.pageCountMaxNow);
  }

  /** XEN_DOMCTL_SHADOW_OP_OFF: drops the bitmap; a no-op when already off (so abort paths can call it). */
  disableLogDirty(): void {
    this.dirty = undefined;
  }

  isLogDirty(): boolean {
    return this.dirty !== undefined;
  }

  /**
   * XEN_DOMCTL_SHADOW_OP_CLEAN: the pfns written since the last clean, ascending, and clears them.
   * A pfn in the result may be >= pageCount if the guest ballooned down after this call.
   */
  cleanDirty(): Uint32Array {
    assert(this.dirty !== undefined, "cleanDirty with log-dirty off");
    return this.dirty.drain();
  }

  /** XEN_DOMCTL_SHADOW_OP_PEEK's count: pages dirtied since the last clean, without clearing. O(1). */
  peekDirtyCount(): number {
    assert(this.dirty !== undefined, "peekDirtyCount with log-dirty off");
    return this.dirty.count;
  }

  private assertPfn(pfn: number): void {
    if (!(pfn >= 0 && pfn < this.pageCountNow && pfn >>> 0 === pfn)) {
      throw new Error(`pfn ${pfn} outside guest memory [0, ${this.pageCountNow})`);
    }
  }

  private assertLive(): void {
    assert(!this.released, "guest memory used after release");
  }
}

/** Checksums of all-zero memories by page count: a guest that never wrote is hashed once per size. */
const zeroMemoryChecksums = new Map<number, string>();
/** Sizes whose all-zero checksum is kept (a cluster has a few guest sizes). */
const ZERO_MEMORY_CHECKSUM_COUNT_MAX = 64;

function zeroMemoryChecksum(pageCount: number): string {
  let checksum = zeroMemoryChecksums.get(pageCount);
  if (checksum !== undefined) return checksum;
  const hasher = newXxh64();
  new PageStore(0).hashPages(hasher, pageCount);
  checksum = hasher.digest().toString(16).padStart(16, "0");
  if (zeroMemoryChecksums.size >= ZERO_MEMORY_CHECKSUM_COUNT_MAX) zeroMemoryChecksums.clear();
  zeroMemoryChecksums.set(pageCount, checksum);
  return checksum;
}

/** A failed precondition on a hot path; unlike `assert`, the message is only built when it fails. */
function fail(message: string): never {
  throw new Error(`assertion failed: ${message}`);
}

function assertPageCountMax(pageCountMax: number): void {
  assert(
    Number.isInteger(pageCountMax) && pageCountMax >= 0 && pageCountMax <= GUEST_PAGE_COUNT_LIMIT,
    `page count max ${pageCountMax} not in [0, ${GUEST_PAGE_COUNT_LIMIT}]`,
  );
}

function assertPageCount(pageCount: number, pageCountMax: number): void {
  assert(
    Number.isInteger(pageCount) && pageCount >= 0 && pageCount <= pageCountMax,
    `page count ${pageCount} not in [0, ${pageCountMax}]`,
  );
}
