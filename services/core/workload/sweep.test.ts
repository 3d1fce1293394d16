import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { Prng } from "../prng.js";
import { SweepWorkload } from "./sweep.js";

describe("SweepWorkload", () => {
  it("visits pages in pfn order and wraps at the end of memory", () => {
    const memory = new GuestMemory(5, 5);
    memory.enableLogDirty();
    const workload = new SweepWorkload({ kind: "sweep", ratePagesPerSecond: 1000 });
    const prng = new Prng(9);
    const visited: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect(workload.run(memory, 1, prng)).toBe(1);
      visited.push(...memory.cleanDirty());
    }
    expect(visited).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
  });

  it("restarts from pfn 0 when the guest shrank below its position", () => {
    const memory = new GuestMemory(10, 10);
    memory.enableLogDirty();
    const workload = new SweepWorkload({ kind: "sweep", ratePagesPerSecond: 1000 });
    workload.run(memory, 8, new Prng(1));
    memory.cleanDirty();
    memory.setPageCount(4);
    workload.run(memory, 2, new Prng(1));
    expect([...memory.cleanDirty()]).toEqual([0, 1]);
  });
});
