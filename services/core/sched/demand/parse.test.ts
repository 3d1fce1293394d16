import { describe, expect, it } from "vitest";
import { formatCpuDemandSpec } from "./format.js";
import { parseCpuDemandSpec } from "./parse.js";
import { CpuDemandSpecError, demandDutyFraction, demandShape } from "./spec.js";

describe("CPU demand specs", () => {
  it("parse with defaults and format back to the same spec", () => {
    expect(parseCpuDemandSpec("cpu")).toEqual({ kind: "cpu" });
    expect(parseCpuDemandSpec("io")).toEqual({ kind: "io", burstNs: 1e6, sleepNs: 10e6 });
    expect(parseCpuDemandSpec("io:sleep=2.5s,burst=500us")).toEqual({
      kind: "io",
      burstNs: 5e5,
      sleepNs: 2.5e9,
    });
    expect(parseCpuDemandSpec("bursty:on=1s")).toEqual({ kind: "bursty", onNs: 1e9, offNs: 800e6 });
    for (const text of ["cpu", "idle", "io:burst=500us,sleep=2500ms", "bursty:on=1s,off=800ms"]) {
      expect(formatCpuDemandSpec(parseCpuDemandSpec(text))).toBe(text);
    }
  });

  it("know how much of a pCPU each kind uses when nothing is in its way", () => {
    expect(demandDutyFraction(demandShape({ kind: "cpu" }))).toBe(1);
    expect(demandDutyFraction(demandShape(parseCpuDemandSpec("io:burst=1ms,sleep=3ms")))).toBe(0.25);
    expect(demandDutyFraction(demandShape({ kind: "idle" }))).toBeCloseTo(0.002, 3);
  });

  it("refuse bad specs and say what is wrong", () => {
    const error = (text: string) => () => parseCpuDemandSpec(text);
    expect(error("gpu")).toThrow('cpu demand "gpu": unknown kind "gpu" (expected cpu, io, idle, bursty)');
    expect(error("cpu:burst=1ms")).toThrow('unknown parameter "burst" for cpu (it takes none)');
    expect(error("io:burst=1")).toThrow('burst: "1" is not a duration');
    expect(error("io:burst=10us")).toThrow("burst: 10us is outside 100us..3600s");
    expect(error("io:sleep=1ms,sleep=2ms")).toThrow("sleep given twice");
    expect(error("io:burst")).toThrow(CpuDemandSpecError);
  });
});
