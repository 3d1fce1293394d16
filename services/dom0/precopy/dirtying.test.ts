import { describe, expect, it } from "vitest";
import { distinctPagesDirtied, uniformDirtyBytes } from "./dirtying.js";

describe("distinctPagesDirtied", () => {
  it("matches the exact form on small cases", () => {
    // N = 2, 2 writes: 2 (1 - (1/2)^2) = 1.5; N = 4, 1 write: exactly one page.
    expect(distinctPagesDirtied(2, 1, 2)).toBeCloseTo(1.5, 12);
    expect(distinctPagesDirtied(4, 1, 1)).toBeCloseTo(1, 12);
    expect(distinctPagesDirtied(1, 5, 3)).toBe(1);
  });

  it("is zero with no writes, below the write count, and saturates at N", () => {
    expect(distinctPagesDirtied(1000, 0, 10)).toBe(0);
    expect(distinctPagesDirtied(1000, 100, 1)).toBeLessThan(100);
    expect(distinctPagesDirtied(1000, 1e6, 10)).toBeCloseTo(1000, 9);
  });

  it("agrees with the continuous form for a large working set", () => {
    const pageCount = 1_048_576; // 4 GiB
    const exact = distinctPagesDirtied(pageCount, 12_207, 10);
    const continuous = uniformDirtyBytes(pageCount * 4096, 12_207 * 4096, 10) / 4096;
    expect(Math.abs(exact - continuous) / exact).toBeLessThan(1e-6);
  });

  it("treats a non-count working set as a bug", () => {
    expect(() => distinctPagesDirtied(0, 1, 1)).toThrow(/assertion failed/);
    expect(() => distinctPagesDirtied(2.5, 1, 1)).toThrow(/assertion failed/);
  });
});

describe("uniformDirtyBytes", () => {
  it("is D t for short times and tends to W", () => {
    expect(uniformDirtyBytes(1e12, 1e6, 1)).toBeCloseTo(1e6, 0);
    expect(uniformDirtyBytes(1e9, 1e9, 100)).toBeCloseTo(1e9, 0);
    expect(uniformDirtyBytes(1e9, 1e9, 1)).toBeCloseTo(1e9 * (1 - Math.exp(-1)), 0);
  });
});
