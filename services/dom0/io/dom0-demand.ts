import { type CpuDemandSpec, DEMAND_PHASE_NS_MIN } from "../../core/sched/demand/index.js";

/** Dom0's vCPUs ask for this much more CPU than the I/O needs, so the backends keep up with bursts. */
export const DOM0_IO_DEMAND_HEADROOM = 1.25;
/** Steps in which Dom0's I/O demand is set: changes smaller than 1/32 of a pCPU leave it alone. */
export const DOM0_IO_DEMAND_LEVEL_COUNT = 32;
/**
 * The burst-and-sleep cycles Dom0's vCPUs may run when the backends need a share of them, longest
 * first. A long cycle costs the scheduler fewer wakeups; a short one keeps a busy ring from filling
 * while the backend sleeps (a real backend wakes on the frontend's event channel notification).
 */
export const DOM0_IO_DEMAND_PERIODS_NS: readonly number[] = [10_000_000, 5_000_000, 2_000_000, 1_000_000];
/** A sleep may be drawn this much longer than its mean (sched/demand's jitter is ±50 %). */
const SLEEP_DRAW_FACTOR_MAX = 1.5;

/** The demand level (0..DOM0_IO_DEMAND_LEVEL_COUNT) for a wanted fraction of each Dom0 vCPU. */
export function dom0DemandLevel(fractionPerVcpu: number): number {
  const clamped = Math.min(Math.max(fractionPerVcpu, 0), 1);
  return Math.ceil(clamped * DOM0_IO_DEMAND_LEVEL_COUNT);
}

/** The longest cycle whose longest sleep is at most half the time the busiest ring takes to fill. */
export function dom0DemandPeriodNs(level: number, ringFillNsMin: number): number {
  const sleepFraction = 1 - level / DOM0_IO_DEMAND_LEVEL_COUNT;
  for (const periodNs of DOM0_IO_DEMAND_PERIODS_NS) {
    if (SLEEP_DRAW_FACTOR_MAX * sleepFraction * periodNs <= ringFillNsMin / 2) return periodNs;
  }
  return DOM0_IO_DEMAND_PERIODS_NS[DOM0_IO_DEMAND_PERIODS_NS.length - 1]!;
}

/**
 * What Dom0's vCPUs ask of the scheduler at a demand level: idle at 0, CPU-bound at the top, and in
 * between bursts and sleeps over `periodNs` whose duty cycle is the level's fraction.
 */
export function dom0DemandSpec(level: number, periodNs = DOM0_IO_DEMAND_PERIODS_NS[0]!): CpuDemandSpec {
  if (level <= 0) return { kind: "idle" };
  if (level >= DOM0_IO_DEMAND_LEVEL_COUNT) return { kind: "cpu" };
  const fraction = level / DOM0_IO_DEMAND_LEVEL_COUNT;
  let burstNs = fraction * periodNs;
  let sleepNs = periodNs - burstNs;
  if (burstNs < DEMAND_PHASE_NS_MIN) {
    burstNs = DEMAND_PHASE_NS_MIN;
    sleepNs = (burstNs * (1 - fraction)) / fraction;
  } else if (sleepNs < DEMAND_PHASE_NS_MIN) {
    sleepNs = DEMAND_PHASE_NS_MIN;
    burstNs = (sleepNs * fraction) / (1 - fraction);
  }
  return { kind: "io", burstNs: Math.round(burstNs), sleepNs: Math.round(sleepNs) };
}
