import { describe, it, expect } from "vitest";
import {
  parseMachineTicks,
  parseStatCpuMs,
  parseStatusKib,
  procStatusKib,
  processCpuMs,
  threadCpuMs,
} from "./proc.js";

/** Reads of /proc/thread-self/stat before giving up on seeing it grow (each costs some µs of CPU). */
const THREAD_READ_COUNT_MAX = 1_000_000;

describe("/proc parsing", () => {
  it("reads a kB field of /proc/<pid>/status", () => {
    const status = "Name:\tnode\nVmHWM:\t  81234 kB\nVmRSS:\t   70000 kB\nThreads:\t11\n";
    expect(parseStatusKib(status, "VmRSS")).toBe(70_000);
    expect(parseStatusKib(status, "VmHWM")).toBe(81_234);
    expect(() => parseStatusKib("Name:\tnode\n", "VmRSS")).toThrow(/VmRSS/);
  });

  it("sums utime and stime of /proc/<pid>/stat even when the command name has spaces", () => {
    const rest = "S 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0 1";
    expect(parseStatCpuMs(`42 (a (weird) name) ${rest}`)).toBe(1750);
    expect(() => parseStatCpuMs("42 (x) S 1")).toThrow(/utime/);
  });

  it("counts idle and iowait as not busy in /proc/stat", () => {
    const ticks = parseMachineTicks("cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 1 2 3\n");
    expect(ticks).toEqual({ busyTicks: 15, totalTicks: 100 });
    expect(() => parseMachineTicks("intr 1 2\n")).toThrow(/cpu/);
  });

  it("reads this process's own figures", () => {
    expect(procStatusKib(process.pid, "VmRSS")).toBeGreaterThan(1024);
    expect(processCpuMs(process.pid)).toBeGreaterThan(0);
  });

  it("reads the calling thread's CPU time: it grows with this thread's work, within the process's", () => {
    const before = threadCpuMs();
    if (before === undefined) return; // not Linux: nothing to read
    // Reading the file is this thread's work: it grows by a tick (10 ms) within some thousands of reads.
    let after = before;
    for (let read = 0; read < THREAD_READ_COUNT_MAX && after === before; read++) after = threadCpuMs()!;
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThanOrEqual(processCpuMs(process.pid));
  });
});
