import type { GuestMemory } from "../memory/guest-memory.js";
import type { Prng } from "../prng.js";
import type { IdleSpec } from "./spec-model.js";
import type { Workload } from "./workload.js";
import { assertRunArguments } from "./write-budget.js";

export class IdleWorkload implements Workload {
  constructor(readonly spec: IdleSpec) {}

  run(_memory: GuestMemory, elapsedMs: number, _prng: Prng, throttleFraction = 0): number {
    assertRunArguments(elapsedMs, throttleFraction);
    return 0;
  }
}
