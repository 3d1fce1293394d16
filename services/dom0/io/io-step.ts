import type { IoRing } from "./io-ring.js";

/**
 * Length of one I/O step: arrivals, pushes and service are interleaved at this granularity, and
 * queueing latency is measured in whole steps (a cost per ring per step: 5 steps per 10 ms tick).
 */
export const IO_STEP_NS = 2_000_000;
/** The most I/O steps one tick is cut into; a longer tick gets longer steps. */
export const IO_STEP_COUNT_PER_TICK_MAX = 20;
/** Push/serve rounds in one step, so a shallow queue can turn over several times per step. */
export const IO_ROUND_COUNT_PER_STEP_MAX = 16;

/** A ring and whether its guest is running (and so issuing requests). */
export interface RingInStep {
  ring: IoRing;
  producing: boolean;
}

/**
 * Runs the host's rings through one tick: `dom0CpuNs` is the CPU Dom0's vCPUs got in it, spread
 * evenly over the steps (what a step leaves unused carries to the next step of the same tick).
 */
export function runIoTick(
  rings: readonly RingInStep[],
  startNs: number,
  elapsedNs: number,
  dom0CpuNs: number,
): number {
  const stepCount = Math.min(Math.max(1, Math.ceil(elapsedNs / IO_STEP_NS)), IO_STEP_COUNT_PER_TICK_MAX);
  const stepNs = elapsedNs / stepCount;
  const active: IoRing[] = [];
  let poolNs = 0;
  let spentNs = 0;
  for (let step = 0; step < stepCount; step++) {
    const at = startNs + step * stepNs;
    for (const { ring, producing } of rings) if (producing) ring.arrive(at, stepNs);
    poolNs += dom0CpuNs / stepCount;
    for (let round = 0; round < IO_ROUND_COUNT_PER_STEP_MAX; round++) {
      let pushed = 0;
      let waiting = false;
      for (const { ring, producing } of rings) if (producing) pushed += ring.push();
      const used = serveFair(rings, poolNs, at, active);
      poolNs -= used;
      spentNs += used;
      for (const { ring, producing } of rings) if (producing && ring.backlogCount > 0) waiting = true;
      if (!waiting || (pushed === 0 && round > 0)) break;
    }
    for (const { ring } of rings) ring.endStep();
  }
  return spentNs;
}

/**
 * The backends share the CPU they have evenly among the rings with work (netback and blkback run a
 * thread per ring): what a ring does not need goes to the others. Returns the CPU used; `active` is
 * scratch space.
 */
export function serveFair(
  rings: readonly RingInStep[],
  budgetNs: number,
  at: number,
  active: IoRing[] = [],
): number {
  active.length = 0;
  for (const { ring } of rings) if (ring.hasWork) active.push(ring);
  let spentNs = 0;
  for (let pass = 0; pass < rings.length && active.length > 0 && budgetNs - spentNs > 0; pass++) {
    const shareNs = (budgetNs - spentNs) / active.length;
    let kept = 0;
    for (const ring of active) {
      spentNs += ring.serve(shareNs, at);
      if (ring.hasWork) active[kept++] = ring;
    }
    active.length = kept;
  }
  return spentNs;
}
