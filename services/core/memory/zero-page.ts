import { ZERO_PAGE_XXH64 } from "./xxhash.js";
import { PAGE_SIZE_BYTES } from "../units.js";

/**
 * A page's bytes as handed out for reading. TypeScript rejects `page[i] = x` through it; JavaScript
 * cannot make memory read-only, so writing through `set`/`fill` is a caller bug that
 * `assertZeroPageIntact` catches for the shared zero page.
 */
export type PageBytes = Readonly<Uint8Array>;

const zeroPage = new Uint8Array(PAGE_SIZE_BYTES);

/** The one zero page every unpopulated pfn reads as. Never write into it. */
export const ZERO_PAGE: PageBytes = zeroPage;

/** xxh64 of 4096 zero bytes. */
export const ZERO_PAGE_CHECKSUM: bigint = ZERO_PAGE_XXH64;

export function assertZeroPageIntact(): void {
  if (!isZeroPage(zeroPage))
    throw new Error("ZERO_PAGE was written through a view from GuestMemory.readPage");
}

/** Whether every byte of `bytes` is zero; stops at the first non-zero byte. */
export function isZeroPage(bytes: PageBytes): boolean {
  if (bytes.byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

let zeroChunk: Uint8Array | undefined;

/** A shared zero buffer of at least `byteCount` bytes, for hashing runs of unpopulated pages. Internal. */
export function zeroBytes(byteCount: number): Uint8Array {
  if (zeroChunk === undefined || zeroChunk.length < byteCount) zeroChunk = new Uint8Array(byteCount);
  return zeroChunk.subarray(0, byteCount);
}
