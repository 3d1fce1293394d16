import { describe, expect, it } from "vitest";
import { ConsoleRing } from "./console-ring.js";

describe("ConsoleRing", () => {
  it("stamps lines with seconds since the origin and drops the oldest past its size", () => {
    const ring = new ConsoleRing(3, "(XEN) ");
    ring.append(0, "one");
    ring.append(1.5, "two\nthree");
    ring.append(12345.0000015, "four");
    expect(ring.read()).toEqual([
      "(XEN) [    1.500000] two",
      "(XEN) [    1.500000] three",
      "(XEN) [12345.000002] four",
    ]);
    expect(ring.droppedCount).toBe(1);
    ring.clear();
    expect([ring.read(), ring.droppedCount]).toEqual([[], 0]);
  });

  it("refuses a ring of no lines", () => {
    expect(() => new ConsoleRing(0, "")).toThrow(/console ring of 0 lines/);
  });
});
