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

  it("allocates no words until a bit is set, and answers as an all-clear bitmap until then", () => {
    const pageCount = 1 << 20; // 128 KiB of words each, were they allocated
    const before = process.memoryUsage().arrayBuffers;
    const bitmaps = Array.from({ length: 100 }, () => new PageBitmap(pageCount));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024); // 12.5 MiB with words
    const [bitmap] = bitmaps as [PageBitmap];
    expect(bitmap.has(pageCount - 1)).toBe(false);
    expect(bitmap.delete(7)).toBe(false);
    expect(bitmap.deleteRange(0, pageCount)).toBe(0);
    expect(bitmap.drain().length).toBe(0);
    expect(() => bitmap.deleteRange(0, pageCount + 1)).toThrow(/beyond capacity/);
    bitmap.resize(64);
    expect(bitmap.capacity).toBe(64);
    bitmap.add(63); // words for the new capacity
    expect(bitmap.has(63)).toBe(true);
    expect(bitmap.count).toBe(1);
    expect(bitmap.delete(63)).toBe(true);
    expect(bitmap.has(63)).toBe(false);
    bitmap.addRange(0, 64);
    expect(bitmap.deleteRange(0, 64)).toBe(64);
    expect(bitmap.has(0)).toBe(false);
  });
});
