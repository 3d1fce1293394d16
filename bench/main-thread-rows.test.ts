import { describe, expect, it } from "vitest";
import { mainThreadRows } from "./main-thread-rows.js";

describe("mainThreadRows", () => {
  it("gives the rate per main-thread CPU second and what the other threads took", () => {
    const [row, ...rest] = mainThreadRows({ simulatedMs: 30_000, cpuMs: 5_000, mainThreadCpuMs: 2_500 });
    expect(rest).toEqual([]);
    expect(row?.value).toBe("12.00 sim-s/CPU-s");
    expect(row?.detail).toMatch(/2\.50 s CPU on the main thread.*other 2\.50 s/);
  });

  it("prints nothing where the OS does not say", () => {
    expect(mainThreadRows({ simulatedMs: 30_000, cpuMs: 5_000, mainThreadCpuMs: undefined })).toEqual([]);
  });
});
