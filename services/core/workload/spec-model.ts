/**
 * What a guest does with its memory, as parsed from a spec string such as `wws:hot=64M,rate=20000`.
 * Rates are guest page writes per second; sizes are bytes.
 */
export type WorkloadSpec = IdleSpec | UniformSpec | WwsSpec | SweepSpec | FillSpec;

/** Writes nothing. */
export interface IdleSpec {
  readonly kind: "idle";
}

/** Each write hits a page chosen uniformly over the whole current memory. */
export interface UniformSpec {
  readonly kind: "uniform";
  readonly ratePagesPerSecond: number;
}

/**
 * Clark et al.'s writable working set ("Live Migration of Virtual Machines", NSDI 2005): a hot set
 * of the first ceil(hotByteCount / 4096) pages takes `ratePagesPerSecond` uniform writes, and all
 * of memory takes `coldRatePagesPerSecond` (0 when not given).
 */
export interface WwsSpec {
  readonly kind: "wws";
  readonly hotByteCount: number;
  readonly ratePagesPerSecond: number;
  readonly coldRatePagesPerSecond: number;
}

/** Writes pages in pfn order, wrapping around at the end of memory. */
export interface SweepSpec {
  readonly kind: "sweep";
  readonly ratePagesPerSecond: number;
}

/** Writes every page once in pfn order, then idles; without a rate, all pages on the first run. */
export interface FillSpec {
  readonly kind: "fill";
  readonly ratePagesPerSecond?: number;
}

export type WorkloadKind = WorkloadSpec["kind"];

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ["idle", "uniform", "wws", "sweep", "fill"];

/** Highest rate a spec may ask for, in page writes per second (about 40 GB/s of dirtying). */
export const RATE_PAGES_PER_SECOND_MAX = 10_000_000;

/** A spec string that does not parse; the message names the spec and the bad part. */
export class WorkloadSpecError extends Error {
  constructor(
    readonly specText: string,
    detail: string,
  ) {
    super(`workload "${specText}": ${detail}`);
    this.name = "WorkloadSpecError";
  }
}
