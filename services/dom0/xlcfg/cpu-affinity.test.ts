import { describe, expect, it } from "vitest";
import { cpuRangeProblem } from "./cpu-affinity.js";

describe("cpuRangeProblem", () => {
  it("accepts xl.cfg(5)'s examples", () => {
    for (const text of ["all", "0-3,5,^1", "nodes:0-3,^node:2", "3-8,^5", "2"]) {
      expect(cpuRangeProblem(text)).toBeUndefined();
    }
  });

  it("rejects ^all, reversed ranges and junk", () => {
    expect(cpuRangeProblem("^all")).toBe(`can't combine "^" and "all" in '^all'`);
    expect(cpuRangeProblem("5-3")).toBe("invalid pcpu range '5-3' in '5-3'");
    expect(cpuRangeProblem("0-3,x")).toBe("invalid pcpu range 'x' in '0-3,x'");
  });
});
