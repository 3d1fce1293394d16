import { describe, expect, it } from "vitest";
import { CpuMask } from "./cpu-mask.js";

describe("CpuMask", () => {
  it("formats as xl prints a cpumap: all, single pCPUs and ranges", () => {
    expect(CpuMask.all(8).format()).toBe("all");
    expect(CpuMask.of(8, [0, 1, 2, 3, 5]).format()).toBe("0-3,5");
    expect(CpuMask.of(8, [7, 1]).format()).toBe("1,7");
    expect(CpuMask.of(1, [0]).format()).toBe("all");
  });

  it("answers membership and cycles from a pCPU, wrapping around", () => {
    const mask = CpuMask.of(8, [2, 5]);
    expect([0, 2, 5, 7].map((pcpu) => mask.has(pcpu))).toEqual([false, true, true, false]);
    expect([mask.cycleFrom(3), mask.cycleFrom(6), mask.cycleFrom(2)]).toEqual([5, 2, 2]);
    expect(mask.first()).toBe(2);
    expect(mask.size).toBe(2);
  });

  it("refuses an empty mask and pCPUs the host lacks (a caller bug)", () => {
    expect(() => CpuMask.of(4, [])).toThrow("at least one pCPU");
    expect(() => CpuMask.of(4, [4])).toThrow("outside the host");
  });
});
