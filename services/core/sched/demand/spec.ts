/**
 * What a guest's vCPUs ask of the CPU (xensim's model, set with a spec string such as
 * `io:burst=1ms,sleep=10ms`). Every kind is "run a burst of CPU work, then block for a while":
 * - `cpu`: CPU-bound, always runnable;
 * - `io`: I/O-bound, short bursts then a wait for the device (defaults burst 1 ms, sleep 10 ms);
 * - `idle`: rarely runnable, timer ticks and housekeeping (burst 200 µs every 100 ms);
 * - `bursty`: busy phases and quiet phases (defaults on 200 ms, off 800 ms).
 * Burst and sleep lengths are drawn uniformly in [0.5, 1.5] × their mean from the vCPU's PRNG.
 */
export type CpuDemandSpec =
  | { readonly kind: "cpu" }
  | { readonly kind: "idle" }
  | { readonly kind: "io"; readonly burstNs: number; readonly sleepNs: number }
  | { readonly kind: "bursty"; readonly onNs: number; readonly offNs: number };

export type CpuDemandKind = CpuDemandSpec["kind"];

export const CPU_DEMAND_KINDS: readonly CpuDemandKind[] = ["cpu", "io", "idle", "bursty"];

const NS_PER_US = 1_000;
const NS_PER_MS = 1_000_000;

export const IO_BURST_NS_DEFAULT = 1 * NS_PER_MS;
export const IO_SLEEP_NS_DEFAULT = 10 * NS_PER_MS;
export const IDLE_BURST_NS = 200 * NS_PER_US;
export const IDLE_SLEEP_NS = 100 * NS_PER_MS;
export const BURSTY_ON_NS_DEFAULT = 200 * NS_PER_MS;
export const BURSTY_OFF_NS_DEFAULT = 800 * NS_PER_MS;
/** Shortest burst or sleep a spec may ask for: bounds the events per simulated second. */
export const DEMAND_PHASE_NS_MIN = 100 * NS_PER_US;
/** Longest burst or sleep a spec may ask for. */
export const DEMAND_PHASE_NS_MAX = 3600 * 1000 * NS_PER_MS;

/** The burst/sleep means of a spec; `burstNs` is Infinity for a CPU-bound vCPU. */
export interface DemandShape {
  readonly burstNs: number;
  readonly sleepNs: number;
}

export function demandShape(spec: CpuDemandSpec): DemandShape {
  switch (spec.kind) {
    case "cpu":
      return { burstNs: Infinity, sleepNs: 0 };
    case "idle":
      return { burstNs: IDLE_BURST_NS, sleepNs: IDLE_SLEEP_NS };
    case "io":
      return { burstNs: spec.burstNs, sleepNs: spec.sleepNs };
    case "bursty":
      return { burstNs: spec.onNs, sleepNs: spec.offNs };
  }
}

/** The share of one pCPU a vCPU of this shape uses when nothing stands in its way (its duty cycle). */
export function demandDutyFraction(shape: DemandShape): number {
  if (shape.burstNs === Infinity) return 1;
  return shape.burstNs / (shape.burstNs + shape.sleepNs);
}

/** A spec string that does not parse; the message names the spec and the bad part. */
export class CpuDemandSpecError extends Error {
  constructor(
    readonly specText: string,
    detail: string,
  ) {
    super(`cpu demand "${specText}": ${detail}`);
    this.name = "CpuDemandSpecError";
  }
}
