import { createRequire } from "node:module";
import type * as XxHash from "@node-rs/xxhash";

export type { Xxh64 } from "@node-rs/xxhash";

let loaded: typeof XxHash | undefined;

/**
 * @node-rs/xxhash, loaded at the first checksum: its native library is about 6 MB of a host
 * process's memory, which a host that never checksums a page (an idle one) does not need.
 */
function xxhash(): typeof XxHash {
  loaded ??= createRequire(import.meta.url)("@node-rs/xxhash") as typeof XxHash;
  return loaded;
}

/** xxh64 (seed 0) of `bytes`. */
export function xxh64(bytes: Uint8Array): bigint {
  return xxhash().xxh64(bytes);
}

/** A streaming xxh64 (seed 0). */
export function newXxh64(): XxHash.Xxh64 {
  return new (xxhash().Xxh64)();
}

/** xxh64 (seed 0) of 4096 zero bytes: a constant (zero-page.test.ts checks it against the library). */
export const ZERO_PAGE_XXH64 = 0xac869b6f32d8bbdbn;
