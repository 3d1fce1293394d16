import { describe, expect, it } from "vitest";
import { PageBitmap, popcount32 } from "./page-bitmap.js";

describe("PageBitmap", () => {
  it("adds and deletes single bits, keeping the count", () => {
    const bitmap = new PageBitmap(100);
    expect(bitmap.add(31)).toBe(true);
    expect(bitmap.add(31)).toBe(false);
    expect(bitmap.add(32)).toBe(true);
    expect(bitmap.has(31)).toBe(true);
    expect(bitmap.has(30)).toBe(false);
    expect(bitmap.count).toBe(2);
    expect(bitmap.delete(31)).toBe(true);
    expect(bitmap.delete(31)).toBe(false);
    expect(bitmap.count).toBe(1);
  });

  it("drains the set pfns in ascending order and clears them, including bit 31 of a word", () => {
    const bitmap = new PageBitmap(200);
    for (const pfn of [199, 0, 31, 63, 64, 5]) bitmap.add(pfn);
    expect([...bitmap.drain()]).toEqual([0, 5, 31, 63, 64, 199]);
    expect(bitmap.count).toBe(0);
    expect(bitmap.drain().length).toBe(0);
    expect(bitmap.has(31)).toBe(false);
  });

  it("deletes ranges across word boundaries and reports how many were set", () => {
    const bitmap = new PageBitmap(300);
    bitmap.addRange(10, 250);
    expect(bitmap.count).toBe(240);
    expect(bitmap.deleteRange(20, 200)).toBe(180);
    expect([...bitmap.drain()]).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 10 + i),
      ...Array.from({ length: 50 }, (_, i) => 200 + i),
    ]);
  });

  it("keeps bits when resized up and refuses to drop set bits when resized down", () => {
    const bitmap = new PageBitmap(40);
    bitmap.add(39);
    bitmap.resize(1000);
    bitmap.add(999);
    expect([...bitmap.drain()]).toEqual([39, 999]);
    bitmap.add(500);
    expect(() => bitmap.resize(100)).toThrow(/drops set bits/);
    expect(() => bitmap.addRange(0, 1001)).toThrow(/beyond capacity/);
  });

  it("counts bits of 32-bit words", () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
  });
});
