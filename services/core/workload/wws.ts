import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { PAGE_SIZE_BYTES } from "../units.js";
import type { WwsSpec } from "./spec-model.js";
import { writeUniform } from "./uniform.js";
import type { Workload } from "./workload.js";
import { WriteBudget, assertRunArguments } from "./write-budget.js";

/** Writable working set: the hot set is the first pages of memory (clipped to the current size). */
export class WwsWorkload implements Workload {
  private readonly hotBudget = new WriteBudget();
  private readonly coldBudget = new WriteBudget();
  private readonly hotPageCount: number;

  constructor(readonly spec: WwsSpec) {
    this.hotPageCount = Math.ceil(spec.hotByteCount / PAGE_SIZE_BYTES);
  }

  run(memory: GuestMemory, elapsedMs: number, prng: Prng, throttleFraction = 0): number {
    assertRunArguments(elapsedMs, throttleFraction);
    const hotWriteCount = this.hotBudget.take(this.spec.ratePagesPerSecond, elapsedMs, throttleFraction);
    const coldWriteCount = this.coldBudget.take(
      this.spec.coldRatePagesPerSecond,
      elapsedMs,
      throttleFraction,
    );
    const pageCount = memory.pageCount;
    return (
      writeUniform(memory, 0, Math.min(this.hotPageCount, pageCount), hotWriteCount, prng) +
      writeUniform(memory, 0, pageCount, coldWriteCount, prng)
    );
  }
}
