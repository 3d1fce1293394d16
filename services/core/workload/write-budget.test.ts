import { describe, expect, it } from "vitest";
import { WRITE_COUNT_PER_RUN_MAX, WriteBudget, assertRunArguments } from "./write-budget.js";

describe("WriteBudget", () => {
  it("carries fractions so a low rate is exact over time", () => {
    const budget = new WriteBudget();
    let total = 0;
    for (let i = 0; i < 1000; i++) total += budget.take(3, 10, 0); // 0.03 writes per call
    expect(total).toBe(30);
  });

  it("applies the throttle as a reduction of the rate", () => {
    const budget = new WriteBudget();
    expect(budget.take(1000, 1000, 0.25)).toBe(750);
  });

  it("caps one call and drops the rest with the carry", () => {
    const budget = new WriteBudget();
    expect(budget.take(50_000, 60_000, 0)).toBe(WRITE_COUNT_PER_RUN_MAX);
    expect(budget.take(1000, 0.5, 0)).toBe(0);
  });

  it("rejects bad run arguments", () => {
    expect(() => assertRunArguments(-1, 0)).toThrow(/-1 ms/);
    expect(() => assertRunArguments(NaN, 0)).toThrow(/NaN ms/);
    expect(() => assertRunArguments(10, 1)).toThrow(/throttle fraction 1/);
  });
});
