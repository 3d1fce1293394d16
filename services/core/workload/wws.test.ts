import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { Prng } from "../prng.js";
import { KIB } from "../units.js";
import { WwsWorkload } from "./wws.js";

describe("WwsWorkload", () => {
  it("writes only into the hot set (the first pages) when the cold rate is 0", () => {
    const memory = new GuestMemory(4096, 4096);
    memory.enableLogDirty();
    const workload = new WwsWorkload({
      kind: "wws",
      hotByteCount: 256 * KIB,
      ratePagesPerSecond: 1000,
      coldRatePagesPerSecond: 0,
    });
    expect(workload.run(memory, 1000, new Prng(5))).toBe(1000);
    const dirtyPfns = memory.cleanDirty();
    expect(Math.max(...dirtyPfns)).toBeLessThan(64);
    expect(dirtyPfns.length).toBeGreaterThan(60); // 1000 writes over 64 pages touch nearly all
  });

  it("adds cold writes over all of memory", () => {
    const memory = new GuestMemory(4096, 4096);
    memory.enableLogDirty();
    const workload = new WwsWorkload({
      kind: "wws",
      hotByteCount: 4 * KIB,
      ratePagesPerSecond: 100,
      coldRatePagesPerSecond: 200,
    });
    expect(workload.run(memory, 1000, new Prng(5))).toBe(300);
    const dirtyPfns = memory.cleanDirty();
    expect(dirtyPfns[0]).toBe(0);
    expect(dirtyPfns.filter((pfn) => pfn >= 2048).length).toBeGreaterThan(50);
  });

  it("clips the hot set to a guest smaller than it", () => {
    const memory = new GuestMemory(8, 8);
    const workload = new WwsWorkload({
      kind: "wws",
      hotByteCount: 1024 * KIB,
      ratePagesPerSecond: 100,
      coldRatePagesPerSecond: 0,
    });
    expect(workload.run(memory, 1000, new Prng(5))).toBe(100);
    expect(memory.populatedPageCount()).toBe(8);
  });
});
