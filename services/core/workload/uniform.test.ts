import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { Prng } from "../prng.js";
import { UniformWorkload } from "./uniform.js";

const TICK_MS = 10;

function runFor(
  workload: UniformWorkload,
  memory: GuestMemory,
  prng: Prng,
  seconds: number,
  throttle = 0,
): number {
  let writeCount = 0;
  for (let t = 0; t < (seconds * 1000) / TICK_MS; t++)
    writeCount += workload.run(memory, TICK_MS, prng, throttle);
  return writeCount;
}

describe("UniformWorkload", () => {
  it("writes rate * time pages, within the carry's rounding", () => {
    const memory = new GuestMemory(1024, 1024);
    const workload = new UniformWorkload({ kind: "uniform", ratePagesPerSecond: 333 });
    const writeCount = runFor(workload, memory, new Prng(1), 3);
    expect(Math.abs(writeCount - 999)).toBeLessThanOrEqual(1);
  });

  it("dirties about N(1 - e^(-rt/N)) distinct pages", () => {
    const pageCount = 4096;
    const memory = new GuestMemory(pageCount, pageCount);
    memory.enableLogDirty();
    const workload = new UniformWorkload({ kind: "uniform", ratePagesPerSecond: 2000 });
    const writeCount = runFor(workload, memory, new Prng(7), 2);
    const expected = pageCount * (1 - Math.exp(-writeCount / pageCount));
    expect(memory.peekDirtyCount()).toBeGreaterThan(expected * 0.97);
    expect(memory.peekDirtyCount()).toBeLessThan(expected * 1.03);
  });

  it("writes fewer pages when throttled", () => {
    const memory = new GuestMemory(1024, 1024);
    const workload = new UniformWorkload({ kind: "uniform", ratePagesPerSecond: 1000 });
    expect(runFor(workload, memory, new Prng(1), 1, 0.2)).toBe(800);
  });

  it("changes the memory's bytes and writes nothing into an empty guest", () => {
    const memory = new GuestMemory(64, 64);
    const before = memory.checksum();
    const workload = new UniformWorkload({ kind: "uniform", ratePagesPerSecond: 100 });
    expect(workload.run(memory, 100, new Prng(3))).toBe(10);
    expect(memory.checksum()).not.toBe(before);
    memory.setPageCount(0);
    expect(workload.run(memory, 100, new Prng(3))).toBe(0);
  });
});
