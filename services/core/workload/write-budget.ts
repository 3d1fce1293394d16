import { assert } from "../errors.js";

/**
 * Most writes one stream makes in one `run` call (about 2 s at 50,000 pages/s). After a long pause
 * the writes owed beyond this are dropped and the carry reset, so one call never stalls the host.
 */
export const WRITE_COUNT_PER_RUN_MAX = 100_000;

const MS_PER_SECOND = 1000;

/** Turns a rate and elapsed time into a whole number of writes, carrying the fraction to the next call. */
export class WriteBudget {
  /** Writes owed from earlier calls, in [0, 1). */
  private carryWriteCount = 0;

  take(ratePagesPerSecond: number, elapsedMs: number, throttleFraction: number): number {
    const owed =
      this.carryWriteCount + (ratePagesPerSecond * (1 - throttleFraction) * elapsedMs) / MS_PER_SECOND;
    const writeCount = Math.floor(owed);
    if (writeCount > WRITE_COUNT_PER_RUN_MAX) {
      this.carryWriteCount = 0;
      return WRITE_COUNT_PER_RUN_MAX;
    }
    this.carryWriteCount = owed - writeCount;
    return writeCount;
  }
}

/** The hypervisor's side of the `run` contract; a violation is a bug in the caller. */
export function assertRunArguments(elapsedMs: number, throttleFraction: number): void {
  // The message is built only on failure: this runs for every domain on every tick.
  if (!(Number.isFinite(elapsedMs) && elapsedMs >= 0)) assert(false, `workload run for ${elapsedMs} ms`);
  if (!(throttleFraction >= 0 && throttleFraction < 1))
    assert(false, `throttle fraction ${throttleFraction} not in [0, 1)`);
}
