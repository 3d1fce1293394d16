import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { isZeroPage, pageChecksum, ZERO_PAGE_CHECKSUM } from "./page-checksum.js";

describe("isZeroPage", () => {
  it("accepts an all-zero page, also as an unaligned view", () => {
    expect(isZeroPage(new Uint8Array(PAGE_SIZE_BYTES))).toBe(true);
    expect(isZeroPage(new Uint8Array(PAGE_SIZE_BYTES + 3).subarray(3))).toBe(true);
  });

  it("rejects a page with one non-zero byte anywhere, including -0.0 bit patterns", () => {
    for (const index of [0, 1, 7, 2048, PAGE_SIZE_BYTES - 1]) {
      const page = new Uint8Array(PAGE_SIZE_BYTES);
      page[index] = 0x80;
      expect(isZeroPage(page)).toBe(false);
    }
  });

  it("refuses a buffer that is not one page", () => {
    expect(() => isZeroPage(new Uint8Array(100))).toThrow(/not a page/);
  });
});

describe("pageChecksum", () => {
  it("is the xxh64 of the page and differs when one bit flips", () => {
    const page = new Uint8Array(PAGE_SIZE_BYTES);
    expect(pageChecksum(page)).toBe(ZERO_PAGE_CHECKSUM);
    page[100] = 1;
    expect(pageChecksum(page)).not.toBe(ZERO_PAGE_CHECKSUM);
  });
});
