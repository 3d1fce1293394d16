import { describe, expect, it } from "vitest";
import { xxh64 as libraryXxh64 } from "@node-rs/xxhash";
import { PAGE_SIZE_BYTES } from "../units.js";
import { newXxh64, xxh64, ZERO_PAGE_XXH64 } from "./xxhash.js";

describe("xxhash loaded at the first checksum", () => {
  it("the zero page's constant is the library's xxh64 of 4096 zero bytes", () => {
    expect(ZERO_PAGE_XXH64).toBe(libraryXxh64(new Uint8Array(PAGE_SIZE_BYTES)));
  });

  it("gives the library's digests, one-shot and streaming", () => {
    const bytes = new TextEncoder().encode("xensim page");
    expect(xxh64(bytes)).toBe(libraryXxh64(bytes));
    expect(newXxh64().update(bytes.subarray(0, 3)).update(bytes.subarray(3)).digest()).toBe(
      libraryXxh64(bytes),
    );
  });
});
