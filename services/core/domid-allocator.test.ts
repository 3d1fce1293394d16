import { describe, expect, it } from "vitest";
import { DomidAllocator } from "./domid-allocator.js";
import { XenError } from "./errors.js";
import { DOMID_MAX } from "./units.js";

describe("DomidAllocator", () => {
  it("hands out ids from 1 upward and never reuses a live one after wrapping", () => {
    const alive = new Set<number>();
    const allocator = new DomidAllocator();
    expect(allocator.allocate((d) => alive.has(d))).toBe(1);
    expect(allocator.allocate((d) => alive.has(d))).toBe(2);
    alive.add(3);
    expect(allocator.allocate((d) => alive.has(d))).toBe(4);
  });
  it("wraps after 32751 and skips live ids", () => {
    const allocator = new DomidAllocator();
    allocator.skipPast(DOMID_MAX - 1);
    expect(allocator.allocate(() => false)).toBe(DOMID_MAX);
    expect(allocator.allocate((d) => d === 1)).toBe(2);
  });
  it("refuses when every id is alive", () => {
    const allocator = new DomidAllocator();
    expect(() => allocator.allocate(() => true)).toThrow(XenError);
  });
});
