import { describe, expect, it } from "vitest";
import { formatByteSize, parseByteSize } from "./byte-size.js";

describe("byte sizes", () => {
  it("parses binary suffixes", () => {
    expect(parseByteSize("4096")).toBe(4096);
    expect(parseByteSize("64K")).toBe(65536);
    expect(parseByteSize("64M")).toBe(64 * 1024 * 1024);
    expect(parseByteSize("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize("2MiB")).toBe(2 * 1024 * 1024);
    expect(parseByteSize("8m")).toBe(8 * 1024 * 1024);
  });

  it("rejects what is not a whole number of bytes", () => {
    for (const text of ["", "abc", "1.5", "64X", "-1M", "1e3", "M"])
      expect(parseByteSize(text)).toBeUndefined();
  });

  it("formats with the largest exact suffix", () => {
    expect(formatByteSize(64 * 1024 * 1024)).toBe("64M");
    expect(formatByteSize(1536 * 1024 * 1024)).toBe("1536M");
    expect(formatByteSize(4096)).toBe("4K");
    expect(formatByteSize(100)).toBe("100");
  });
});
