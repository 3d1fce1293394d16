import type { TimedEntry } from "./event-heap.js";
import type { Vcpu } from "./vcpu.js";

/**
 * What comes due: `stop` — a running vCPU reaches the end of its burst or throttle period; `wake` —
 * a sleeping vCPU's wait is over; `slice` — the slice the policy gave a pCPU ends.
 */
export type EngineEventKind = "stop" | "wake" | "slice";

/**
 * One pending event; stale when its version no longer matches its vCPU's or pCPU's (one shape).
 * The engine recycles an event once it has fired (a busy host fires hundreds a simulated second),
 * so its fields are only valid while it is in the engine's heap.
 */
export class EngineEvent implements TimedEntry {
  constructor(
    public atNs: number,
    public sequence: number,
    public kind: EngineEventKind,
    public vcpu: Vcpu | undefined,
    public pcpu: number,
    public version: number,
  ) {}
}
