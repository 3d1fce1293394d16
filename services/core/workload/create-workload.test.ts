import { describe, expect, it } from "vitest";
import { GuestMemory } from "../memory/guest-memory.js";
import { Prng } from "../prng.js";
import { createWorkload } from "./create-workload.js";
import { parseWorkloadSpec } from "./spec.js";

const SPECS = [
  "idle",
  "uniform:rate=3000",
  "wws:hot=1M,rate=5000,cold=50",
  "sweep:rate=2500",
  "fill:rate=700",
];

/** Runs a fresh workload for 50 uneven ticks and returns the memory checksum. */
function checksumAfterRuns(specText: string, seed: number): string {
  const memory = new GuestMemory(2048, 2048);
  const workload = createWorkload(parseWorkloadSpec(specText));
  const prng = new Prng(seed);
  for (let tick = 0; tick < 50; tick++) workload.run(memory, 7 + (tick % 5), prng, (tick % 3) * 0.1);
  return memory.checksum();
}

describe("createWorkload", () => {
  it.each(SPECS)("builds %s and keeps its spec", (text) => {
    const spec = parseWorkloadSpec(text);
    expect(createWorkload(spec).spec).toEqual(spec);
  });

  it.each(SPECS.slice(1))("%s: same seed and runs give the same memory, another seed does not", (text) => {
    expect(checksumAfterRuns(text, 11)).toBe(checksumAfterRuns(text, 11));
    expect(checksumAfterRuns(text, 12)).not.toBe(checksumAfterRuns(text, 11));
  });

  it("idle leaves memory untouched", () => {
    expect(checksumAfterRuns("idle", 1)).toBe(new GuestMemory(2048, 2048).checksum());
  });
});
