import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { writeRandomWord } from "./page-writes.js";
import type { SweepSpec } from "./spec-model.js";
import type { Workload } from "./workload.js";
import { WriteBudget, assertRunArguments } from "./write-budget.js";

/** Writes pfn 0, 1, 2, ... and wraps to 0 at the end of the current memory. */
export class SweepWorkload implements Workload {
  private readonly budget = new WriteBudget();
  private pfnNext = 0;

  constructor(readonly spec: SweepSpec) {}

  run(memory: GuestMemory, elapsedMs: number, prng: Prng, throttleFraction = 0): number {
    assertRunArguments(elapsedMs, throttleFraction);
    const writeCount = this.budget.take(this.spec.ratePagesPerSecond, elapsedMs, throttleFraction);
    const pageCount = memory.pageCount;
    if (pageCount === 0) return 0;
    for (let i = 0; i < writeCount; i++) {
      if (this.pfnNext >= pageCount) this.pfnNext = 0;
      writeRandomWord(memory, this.pfnNext, prng);
      this.pfnNext++;
    }
    return writeCount;
  }
}
