import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import { writeDistinctPage } from "./page-writes.js";
import type { FillSpec } from "./spec-model.js";
import type { Workload } from "./workload.js";
import { WriteBudget, assertRunArguments } from "./write-budget.js";

/**
 * Gives every page distinct content once, in pfn order, then idles (until the guest balloons up).
 * Without a rate it fills all remaining pages in one call, beyond WRITE_COUNT_PER_RUN_MAX: the work
 * is bounded by the memory size, and that is the point (a 1 GiB guest populated at once).
 */
export class FillWorkload implements Workload {
  private readonly budget = new WriteBudget();
  private pfnNext = 0;

  constructor(readonly spec: FillSpec) {}

  run(memory: GuestMemory, elapsedMs: number, prng: Prng, throttleFraction = 0): number {
    assertRunArguments(elapsedMs, throttleFraction);
    const rate = this.spec.ratePagesPerSecond;
    const pageCount = memory.pageCount;
    const writeCount = rate === undefined ? pageCount : this.budget.take(rate, elapsedMs, throttleFraction);
    const pfnEnd = Math.min(pageCount, this.pfnNext + writeCount);
    const pfnStart = this.pfnNext;
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) writeDistinctPage(memory, pfn, prng);
    this.pfnNext = Math.max(this.pfnNext, pfnEnd);
    return Math.max(0, pfnEnd - pfnStart);
  }
}
