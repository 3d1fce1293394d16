import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { compareHostIds } from "./host-order.js";

describe("compareHostIds", () => {
  it("orders digit runs by value, so h2 comes before h10", () => {
    const ids = ["h10", "h2", "rack2-h1", "h1", "h01", "rack10-h1", "h", "g9"];
    expect([...ids].sort(compareHostIds)).toEqual([
      "g9",
      "h",
      "h01",
      "h1",
      "h2",
      "h10",
      "rack2-h1",
      "rack10-h1",
    ]);
  });

  it("is a total order: antisymmetric, and 0 only for the same id", () => {
    const prng = new Prng(9);
    const alphabet = ["h", "0", "1", "9", "-", "a"];
    const id = () =>
      Array.from({ length: 1 + prng.nextInt(4) }, () => alphabet[prng.nextInt(alphabet.length)]).join("");
    for (let i = 0; i < 2000; i++) {
      const [a, b, c] = [id(), id(), id()];
      expect(Math.sign(compareHostIds(a, b)) + Math.sign(compareHostIds(b, a))).toBe(0);
      expect(compareHostIds(a, b) === 0).toBe(a === b);
      if (compareHostIds(a, b) < 0 && compareHostIds(b, c) < 0) expect(compareHostIds(a, c)).toBeLessThan(0);
    }
  });
});
