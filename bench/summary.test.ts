import { describe, expect, it } from "vitest";
import { maximum, median, minimum, range } from "./summary.js";

describe("summary", () => {
  it("takes the middle value of an odd count and the mean of the middle two of an even count", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("reports the extremes and a range", () => {
    expect(maximum([2, 9, 4])).toBe(9);
    expect(minimum([2, 9, 4])).toBe(2);
    expect(range([2, 9, 4], (v) => v.toFixed(1))).toBe("2.0..9.0");
  });
});
