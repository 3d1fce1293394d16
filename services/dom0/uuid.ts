import type { Prng } from "../core/prng.js";

/** "00".."ff", by byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** A random (version 4) uuid from the seeded PRNG, so a seeded run makes the same uuids. */
export function uuidFromPrng(prng: Prng): string {
  // Four words, each little-endian into four bytes; the version and variant bits as RFC 4122 sets them.
  const w0 = prng.nextU32();
  const w1 = prng.nextU32();
  const w2 = prng.nextU32();
  const w3 = prng.nextU32();
  const hex = (word: number, shift: number) => HEX_BYTES[(word >>> shift) & 0xff] as string;
  const version = HEX_BYTES[((w1 >>> 16) & 0xff & 0x0f) | 0x40] as string;
  const variant = HEX_BYTES[(w2 & 0xff & 0x3f) | 0x80] as string;
  return (
    `${hex(w0, 0)}${hex(w0, 8)}${hex(w0, 16)}${hex(w0, 24)}-${hex(w1, 0)}${hex(w1, 8)}-` +
    `${version}${hex(w1, 24)}-${variant}${hex(w2, 8)}-${hex(w2, 16)}${hex(w2, 24)}` +
    `${hex(w3, 0)}${hex(w3, 8)}${hex(w3, 16)}${hex(w3, 24)}`
  );
}

/** A PRNG stream number from a text such as a host id (32-bit FNV-1a). */
export function textStream(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
