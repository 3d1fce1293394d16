import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import type { WorkloadSpec } from "./spec-model.js";

/**
 * A guest's memory-writing behaviour. The hypervisor calls `run` for each running domain on each
 * tick with the simulated time that passed; the workload performs rate * elapsed writes of real bytes
 * (a fractional carry keeps low rates exact over time) and returns how many writes it made.
 * `throttleFraction` in [0, 1) holds back that share of the rate (auto-converge: 0.2 leaves 80 %).
 * One instance belongs to one domain: it keeps its carry and position between calls.
 */
export interface Workload {
  readonly spec: WorkloadSpec;
  run(memory: GuestMemory, elapsedMs: number, prng: Prng, throttleFraction?: number): number;
}

export type { WorkloadSpec };
