import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { writeRandomWords } from "./page-writes.js";
import type { UniformSpec } from "./spec-model.js";
import type { Workload } from "./workload.js";
import { WriteBudget, assertRunArguments } from "./write-budget.js";

export class UniformWorkload implements Workload {
  private readonly budget = new WriteBudget();

  constructor(readonly spec: UniformSpec) {}

  run(memory: GuestMemory, elapsedMs: number, prng: Prng, throttleFraction = 0): number {
    assertRunArguments(elapsedMs, throttleFraction);
    const writeCount = this.budget.take(this.spec.ratePagesPerSecond, elapsedMs, throttleFraction);
    return writeUniform(memory, 0, memory.pageCount, writeCount, prng);
  }
}

/** `writeCount` writes to pages chosen uniformly in [pfnStart, pfnStart + pageCount); returns writes made. */
export function writeUniform(
  memory: GuestMemory,
  pfnStart: number,
  pageCount: number,
  writeCount: number,
  prng: Prng,
): number {
  if (pageCount === 0) return 0;
  writeRandomWords(memory, pfnStart, pageCount, writeCount, prng);
  return writeCount;
}
