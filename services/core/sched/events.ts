import type { TimedEntry } from "./event-heap.js";
import type { Vcpu } from "./vcpu.js";

/**
 * What comes due: `stop` — a running vCPU reaches the end of its burst or throttle period; `wake` —
 * a sleeping vCPU's wait is over; `slice` — the slice the policy gave a pCPU ends.
 */
export type EngineEventKind = "stop" | "wake" | "slice";

/** One pending event; stale when its version no longer matches its vCPU's or pCPU's (one shape). */
export class EngineEvent implements TimedEntry {
  constructor(
    readonly atNs: number,
    readonly sequence: number,
    readonly kind: EngineEventKind,
    readonly vcpu: Vcpu | undefined,
    readonly pcpu: number,
    readonly version: number,
  ) {}
}

/** One physical CPU: what runs on it and whether its schedule() is due. */
export interface Pcpu {
  current: Vcpu | undefined;
  tickled: boolean;
  sliceVersion: number;
}
