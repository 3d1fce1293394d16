import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.js";
import { uuidFromPrng } from "./uuid.js";
import { isUuidText } from "../core/uuid-text.js";

/** The formatting uuidFromPrng had before its lookup table: bytes, then hex, then dashes. */
function uuidByBytes(prng: Prng): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) {
    const word = prng.nextU32();
    bytes[i] = word & 0xff;
    bytes[i + 1] = (word >>> 8) & 0xff;
    bytes[i + 2] = (word >>> 16) & 0xff;
    bytes[i + 3] = (word >>> 24) & 0xff;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe("uuidFromPrng", () => {
  it("makes the same uuids from the same seed as the byte-by-byte formatting", () => {
    for (let seed = 1; seed <= 500; seed++) {
      expect(uuidFromPrng(new Prng(seed))).toBe(uuidByBytes(new Prng(seed)));
    }
  });

  it("makes version 4, variant 1 uuids", () => {
    const prng = new Prng(7);
    for (let i = 0; i < 200; i++) {
      const uuid = uuidFromPrng(prng);
      expect(isUuidText(uuid)).toBe(true);
      expect(uuid[14]).toBe("4");
      expect("89ab").toContain(uuid[19]);
    }
  });
});
