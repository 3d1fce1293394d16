import { type GuestMemory, STORE_U32_COUNT } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { PAGE_SIZE_BYTES } from "../units.js";

const U64_BYTE_COUNT = 8;
const U64_SLOTS_PER_PAGE = PAGE_SIZE_BYTES / U64_BYTE_COUNT;
const U32_RANGE = 0x1_0000_0000;
const HIGH_BITS_MASK = 0x1f_ffff; // 21 high bits: the value stays a safe integer
const U32_PER_U64 = 2;

/** A random non-zero value below 2^53. */
function randomValue(prng: Prng): number {
  const high = prng.nextU32() & HIGH_BITS_MASK;
  return high * U32_RANGE + ((prng.nextU32() | 1) >>> 0);
}

/** One guest store: a random non-zero u64 at a random aligned offset of page `pfn`. */
export function writeRandomWord(memory: GuestMemory, pfn: number, prng: Prng): void {
  const byteOffset = prng.nextInt(U64_SLOTS_PER_PAGE) * U64_BYTE_COUNT;
  memory.writeU64(pfn, byteOffset, randomValue(prng));
}

/** Stores per batch handed to GuestMemory.writeU64Batch: 16 KiB of draws, reused by every call. */
const BATCH_STORE_COUNT_MAX = 1024;
const batch = new Uint32Array(BATCH_STORE_COUNT_MAX * STORE_U32_COUNT);
const U32_SCALE = 1 / U32_RANGE;
const SLOT_SHIFT = 23; // nextInt(512) of a u32 draw: its top 9 bits

/**
 * `writeCount` stores of writeRandomWord to pages drawn uniformly in [pfnStart, pfnStart + pageCount),
 * in batches: the same draws in the same order (page, slot, high bits, low bits) and the same bytes as
 * one writeRandomWord(memory, pfnStart + prng.nextInt(pageCount), prng) per store, without the calls.
 */
export function writeRandomWords(
  memory: GuestMemory,
  pfnStart: number,
  pageCount: number,
  writeCount: number,
  prng: Prng,
): void {
  if (!(pageCount > 0 && pageCount <= U32_RANGE)) throw new Error(`random words over ${pageCount} pages`);
  for (let done = 0; done < writeCount; done += BATCH_STORE_COUNT_MAX) {
    const storeCount = Math.min(BATCH_STORE_COUNT_MAX, writeCount - done);
    const u32End = storeCount * STORE_U32_COUNT;
    prng.fillU32(batch, u32End);
    for (let at = 0; at < u32End; at += STORE_U32_COUNT) {
      // As nextInt: Math.floor(nextFloat() * bound), nextFloat = u32 / 2^32.
      batch[at] = pfnStart + Math.floor(batch[at]! * U32_SCALE * pageCount);
      batch[at + 1] = (batch[at + 1]! >>> SLOT_SHIFT) * U32_PER_U64;
      const high = batch[at + 2]! & HIGH_BITS_MASK;
      batch[at + 2] = batch[at + 3]! | 1;
      batch[at + 3] = high;
    }
    memory.writeU64Batch(batch, storeCount);
  }
}

/** Content no other page has: pfn + 1 in the first u64, a random value in the second. */
export function writeDistinctPage(memory: GuestMemory, pfn: number, prng: Prng): void {
  memory.writeU64(pfn, 0, pfn + 1);
  memory.writeU64(pfn, U64_BYTE_COUNT, randomValue(prng));
}

/** Writes distinct non-zero content into every page [0, pageCount); returns the pages written. */
export function populateAll(memory: GuestMemory, prng: Prng): number {
  const pageCount = memory.pageCount;
  for (let pfn = 0; pfn < pageCount; pfn++) writeDistinctPage(memory, pfn, prng);
  return pageCount;
}
