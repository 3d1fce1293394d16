import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { Prng } from "../prng.js";
import { FillWorkload } from "./fill.js";
import { populateAll } from "./page-writes.js";

describe("FillWorkload", () => {
  it("without a rate populates every page on the first run, then idles", () => {
    const memory = new GuestMemory(5000, 6000);
    const workload = new FillWorkload({ kind: "fill" });
    expect(workload.run(memory, 1, new Prng(2))).toBe(5000);
    expect(memory.populatedPageCount()).toBe(5000);
    expect(workload.run(memory, 1000, new Prng(2))).toBe(0);
    memory.setPageCount(6000);
    expect(workload.run(memory, 1, new Prng(2))).toBe(1000);
  });

  it("with a rate fills in pfn order at that rate and stops at the end", () => {
    const memory = new GuestMemory(100, 100);
    memory.enableLogDirty();
    const workload = new FillWorkload({ kind: "fill", ratePagesPerSecond: 30 });
    expect(workload.run(memory, 1000, new Prng(2))).toBe(30);
    expect([...memory.cleanDirty()]).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(workload.run(memory, 10_000, new Prng(2))).toBe(70);
    expect(workload.run(memory, 10_000, new Prng(2))).toBe(0);
    expect(memory.populatedPageCount()).toBe(100);
  });
});

describe("populateAll", () => {
  it("gives every page distinct non-zero content", () => {
    const memory = new GuestMemory(300, 300);
    expect(populateAll(memory, new Prng(4))).toBe(300);
    const checksums = new Set<bigint>();
    for (let pfn = 0; pfn < 300; pfn++) checksums.add(memory.pageChecksum(pfn));
    expect(checksums.size).toBe(300);
    expect(memory.populatedPageCount()).toBe(300);
  });
});
