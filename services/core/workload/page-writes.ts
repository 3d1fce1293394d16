import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { PAGE_SIZE_BYTES } from "../units.js";

const U64_BYTE_COUNT = 8;
const U64_SLOTS_PER_PAGE = PAGE_SIZE_BYTES / U64_BYTE_COUNT;
const U32_RANGE = 0x1_0000_0000;
const HIGH_BITS_MASK = 0x1f_ffff; // 21 high bits: the value stays a safe integer

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
