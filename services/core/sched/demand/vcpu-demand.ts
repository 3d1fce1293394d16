import { assert } from "../../errors.js";
import type { Prng } from "../../prng.js";
import type { DemandShape } from "./spec.js";

/** Phase lengths are drawn uniformly in [1 - JITTER, 1 + JITTER] × their mean. */
const PHASE_JITTER_FRACTION = 0.5;

/**
 * QEMU's auto-converge throttle period (CPU_THROTTLE_TIMESLICE_NS, softmmu/cpu-throttle.c): a vCPU
 * throttled by p runs for this long, then sleeps p / (1 - p) of it.
 */
export const THROTTLE_RUN_NS = 10_000_000;
/** Highest throttle the engine accepts; QEMU's cpu-throttle-max is 99 %. */
export const THROTTLE_FRACTION_MAX = 0.99;

/**
 * What one vCPU wants from the CPU: how much work is left in its current burst, and the lengths of
 * the bursts and sleeps that follow, drawn from its own seeded PRNG.
 */
export class VcpuDemand {
  /** CPU work left in the current burst; Infinity for a CPU-bound vCPU. */
  workLeftNs = 0;
  /** Fraction of time the auto-converge throttle takes away, 0 = none. */
  throttleFraction = 0;
  /** Running time left before the throttle puts the vCPU to sleep (when throttled). */
  throttleRunLeftNs = THROTTLE_RUN_NS;

  constructor(
    private shapeNow: DemandShape,
    private readonly prng: Prng,
  ) {
    this.startBurst();
  }

  get shape(): DemandShape {
    return this.shapeNow;
  }

  /** A new shape takes effect with a fresh burst. */
  setShape(shape: DemandShape): void {
    this.shapeNow = shape;
    this.startBurst();
  }

  startBurst(): void {
    this.workLeftNs = this.shapeNow.burstNs === Infinity ? Infinity : this.draw(this.shapeNow.burstNs);
  }

  drawSleepNs(): number {
    return this.draw(this.shapeNow.sleepNs);
  }

  /** Running time until the vCPU stops on its own: its burst ends or the throttle bites. */
  runLeftNs(): number {
    return this.throttleFraction > 0 ? Math.min(this.workLeftNs, this.throttleRunLeftNs) : this.workLeftNs;
  }

  /** Accounts `ranNs` of running against the burst and the throttle period. */
  consume(ranNs: number): void {
    assert(ranNs >= 0 && ranNs <= this.runLeftNs(), "vCPU ran past its stop");
    this.workLeftNs -= ranNs;
    if (this.throttleFraction > 0) this.throttleRunLeftNs -= ranNs;
  }

  /** Starts a throttle sleep: how long it lasts; the next throttle period starts after it. */
  throttleSleepNs(): number {
    assert(this.throttleFraction > 0 && this.throttleFraction <= THROTTLE_FRACTION_MAX, "throttle off");
    this.throttleRunLeftNs = THROTTLE_RUN_NS;
    return Math.round((THROTTLE_RUN_NS * this.throttleFraction) / (1 - this.throttleFraction));
  }

  private draw(meanNs: number): number {
    const scale = 1 - PHASE_JITTER_FRACTION + 2 * PHASE_JITTER_FRACTION * this.prng.nextFloat();
    return Math.max(1, Math.round(meanNs * scale));
  }
}
