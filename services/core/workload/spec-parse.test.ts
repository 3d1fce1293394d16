import { describe, expect, it } from "vitest";
import { MIB } from "../units.js";
import { type WorkloadSpec, WorkloadSpecError, formatWorkloadSpec, parseWorkloadSpec } from "./spec.js";

describe("parseWorkloadSpec", () => {
  it("parses every kind", () => {
    expect(parseWorkloadSpec("idle")).toEqual({ kind: "idle" });
    expect(parseWorkloadSpec("uniform:rate=20000")).toEqual({ kind: "uniform", ratePagesPerSecond: 20000 });
    expect(parseWorkloadSpec("wws:hot=64M,rate=20000")).toEqual({
      kind: "wws",
      hotByteCount: 64 * MIB,
      ratePagesPerSecond: 20000,
      coldRatePagesPerSecond: 0,
    });
    expect(parseWorkloadSpec(" sweep:rate=5000 ")).toEqual({ kind: "sweep", ratePagesPerSecond: 5000 });
    expect(parseWorkloadSpec("fill")).toEqual({ kind: "fill" });
    expect(parseWorkloadSpec("fill:rate=0.5")).toEqual({ kind: "fill", ratePagesPerSecond: 0.5 });
  });

  it.each([
    ["wws:hot=abc,rate=1", 'workload "wws:hot=abc,rate=1": hot: "abc" is not a size'],
    ["wws:hot=64M", 'workload "wws:hot=64M": missing rate'],
    ["wws:hot=0,rate=1", 'workload "wws:hot=0,rate=1": hot: 0 is not in 1..'],
    ["bogus", 'workload "bogus": unknown kind "bogus" (expected one of idle, uniform, wws, sweep, fill)'],
    ["uniform:rat=5", 'workload "uniform:rat=5": unknown parameter "rat" for uniform (expected rate)'],
    ["uniform:cold=5", 'workload "uniform:cold=5": unknown parameter "cold"'],
    ["uniform:", 'workload "uniform:": "" is not key=value'],
    ["uniform:rate=5,rat=5", 'unknown parameter "rat" for uniform (expected rate)'],
    ["idle:rate=5", 'unknown parameter "rate" for idle (it takes none)'],
    ["uniform:rate=-5", 'rate: "-5" is not a rate in pages/s'],
    ["uniform:rate=fast", 'rate: "fast" is not a rate in pages/s'],
    ["uniform:rate=1e9", "rate: 1e9 pages/s is above the limit of 10000000"],
    ["uniform:rate=1,rate=2", "rate given twice"],
    ["uniform:rate", '"rate" is not key=value'],
  ])("rejects %s", (text, message) => {
    expect(() => parseWorkloadSpec(text)).toThrow(WorkloadSpecError);
    expect(() => parseWorkloadSpec(text)).toThrow(message);
  });

  it("cuts an overlong spec short in the message", () => {
    expect(() => parseWorkloadSpec(`uniform:rate=${"1".repeat(300)}`)).toThrow(/longer than 256 characters/);
  });
});

describe("formatWorkloadSpec", () => {
  it.each([
    "idle",
    "uniform:rate=20000",
    "wws:hot=64M,rate=20000",
    "wws:hot=3K,rate=1.5,cold=100",
    "sweep:rate=5000",
    "fill",
    "fill:rate=1e-7",
  ])("round-trips %s", (text) => {
    const spec = parseWorkloadSpec(text);
    expect(formatWorkloadSpec(spec)).toBe(text);
    expect(parseWorkloadSpec(formatWorkloadSpec(spec))).toEqual(spec);
  });

  it("writes the canonical form of a spec given another way", () => {
    const spec: WorkloadSpec = parseWorkloadSpec("wws:rate=10,hot=67108864,cold=0");
    expect(formatWorkloadSpec(spec)).toBe("wws:hot=64M,rate=10");
  });
});
