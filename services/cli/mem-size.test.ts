import { describe, expect, it } from "vitest";
import { parseMemSizeKib } from "./mem-size.js";

describe("parseMemSizeKib, as xl's parse_mem_size_kb", () => {
  it("reads a bare number as MiB", () => {
    expect(parseMemSizeKib("512")).toBe(512 * 1024);
    expect(parseMemSizeKib("0")).toBe(0);
  });

  it("takes the units b, k, m, g, t in either case", () => {
    expect(parseMemSizeKib("2048b")).toBe(2);
    expect(parseMemSizeKib("1023b")).toBe(0);
    expect(parseMemSizeKib("4096k")).toBe(4096);
    expect(parseMemSizeKib("128M")).toBe(128 * 1024);
    expect(parseMemSizeKib("1g")).toBe(1024 * 1024);
    expect(parseMemSizeKib("2T")).toBe(2 * 1024 ** 3);
  });

  it("refuses what xl refuses, naming the argument", () => {
    for (const bad of ["", "-1", "1.5g", "12mb", "x", "1 g", "0x10"]) {
      expect(() => parseMemSizeKib(bad), bad).toThrow(/invalid memory size/);
    }
    expect(() => parseMemSizeKib("99999999999999999t")).toThrow(/too large/);
  });
});
