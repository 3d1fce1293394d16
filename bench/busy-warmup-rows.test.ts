import { describe, expect, it } from "vitest";
import { busyWarmupRows } from "./busy-warmup-rows.js";

describe("the busy bench's warm-up row", () => {
  it("prints the warm-up's own rate apart, and says it is not in the rate", () => {
    const [row, ...more] = busyWarmupRows({ warmup: { simulatedMs: 10_000, wallMs: 4000, cpuMs: 5000 } });
    expect(more).toEqual([]);
    expect(row?.figure).toMatch(/warm-up .*not in the rate/);
    expect(row?.value).toBe("2.50 sim-s/s");
    expect(row?.detail).toMatch(/\(2\.00 sim-s\/CPU-s\)/);
  });

  it("prints nothing for a run without one", () => {
    expect(busyWarmupRows({})).toEqual([]);
  });
});
