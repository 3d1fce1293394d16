import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { PrecopyOptionError } from "./errors.js";
import type { PrecopyRound } from "./policy.js";

/** qemu migration/options.c: DEFAULT_MIGRATE_CPU_THROTTLE_INITIAL (`cpu-throttle-initial`). */
export const QEMU_CPU_THROTTLE_INITIAL_PERCENT = 20;
/** DEFAULT_MIGRATE_CPU_THROTTLE_INCREMENT (`cpu-throttle-increment`). */
export const QEMU_CPU_THROTTLE_INCREMENT_PERCENT = 10;
/** DEFAULT_MIGRATE_MAX_CPU_THROTTLE (`max-cpu-throttle`); also system/cpu-throttle.c CPU_THROTTLE_PCT_MAX. */
export const QEMU_MAX_CPU_THROTTLE_PERCENT = 99;
/** DEFAULT_MIGRATE_THROTTLE_TRIGGER_THRESHOLD (`throttle-trigger-threshold`). */
export const QEMU_THROTTLE_TRIGGER_THRESHOLD_PERCENT = 50;
/** migration/ram.c migration_trigger_throttle: "If that happens twice, start or increase throttling". */
export const QEMU_DIRTY_RATE_HIGH_COUNT = 2;

export interface AutoConvergeOptions {
  throttleInitialPercent?: number;
  throttleIncrementPercent?: number;
  throttleMaxPercent?: number;
  triggerThresholdPercent?: number;
  /** `cpu-throttle-tailslow`: smaller steps once the dirty rate is close to the threshold. */
  tailslow?: boolean;
}

export type ResolvedAutoConvergeOptions = Required<AutoConvergeOptions>;

export interface AutoConvergeState {
  readonly throttlePercent: number;
  /** QEMU's dirty_rate_high_cnt: high periods since the last throttle change (not reset by low ones). */
  readonly dirtyRateHighCount: number;
}

export const AUTO_CONVERGE_INITIAL_STATE: AutoConvergeState = Object.freeze({
  throttlePercent: 0,
  dirtyRateHighCount: 0,
});

function checkPercent(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PrecopyOptionError(`auto-converge ${name} ${value} is not a whole number in ${min}..${max}`);
  }
  return value;
}

/** Validates user-supplied settings with QEMU's ranges (migration/options.c migrate_params_check). */
export function resolveAutoConvergeOptions(options: AutoConvergeOptions = {}): ResolvedAutoConvergeOptions {
  return {
    throttleInitialPercent: checkPercent(
      "throttleInitialPercent",
      options.throttleInitialPercent ?? QEMU_CPU_THROTTLE_INITIAL_PERCENT,
      1,
      99,
    ),
    throttleIncrementPercent: checkPercent(
      "throttleIncrementPercent",
      options.throttleIncrementPercent ?? QEMU_CPU_THROTTLE_INCREMENT_PERCENT,
      1,
      99,
    ),
    throttleMaxPercent: checkPercent(
      "throttleMaxPercent",
      options.throttleMaxPercent ?? QEMU_MAX_CPU_THROTTLE_PERCENT,
      1,
      99,
    ),
    triggerThresholdPercent: checkPercent(
      "triggerThresholdPercent",
      options.triggerThresholdPercent ?? QEMU_THROTTLE_TRIGGER_THRESHOLD_PERCENT,
      1,
      100,
    ),
    tailslow: options.tailslow ?? false,
  };
}

/** The throttle after one period (one round here), as migration_trigger_throttle + mig_throttle_guest_down. */
export function autoConvergeStep(
  state: AutoConvergeState,
  round: PrecopyRound,
  options: ResolvedAutoConvergeOptions,
): AutoConvergeState {
  const dirtyByteCount = round.pageCountDirtiedDuring * PAGE_SIZE_BYTES;
  const thresholdByteCount = (round.bytesSent * options.triggerThresholdPercent) / 100;
  if (!(dirtyByteCount > thresholdByteCount)) return state;
  const highCount = state.dirtyRateHighCount + 1;
  if (highCount < QEMU_DIRTY_RATE_HIGH_COUNT) return { ...state, dirtyRateHighCount: highCount };
  return {
    throttlePercent: nextThrottlePercent(state.throttlePercent, dirtyByteCount, thresholdByteCount, options),
    dirtyRateHighCount: 0,
  };
}

function nextThrottlePercent(
  throttlePercent: number,
  dirtyByteCount: number,
  thresholdByteCount: number,
  options: ResolvedAutoConvergeOptions,
): number {
  if (throttlePercent === 0) return options.throttleInitialPercent;
  let incrementPercent = options.throttleIncrementPercent;
  if (options.tailslow) {
    const cpuNowPercent = 100 - throttlePercent;
    const cpuIdealPercent = Math.floor(cpuNowPercent * (thresholdByteCount / dirtyByteCount));
    incrementPercent = Math.min(cpuNowPercent - cpuIdealPercent, incrementPercent);
  }
  return Math.min(throttlePercent + incrementPercent, options.throttleMaxPercent);
}

/** The throttle fraction (0..0.99) after all `rounds`, folded from the start. */
export function autoConvergeThrottleFraction(
  rounds: readonly PrecopyRound[],
  options: AutoConvergeOptions = {},
): number {
  const resolved = resolveAutoConvergeOptions(options);
  const state = rounds.reduce(
    (s, round) => autoConvergeStep(s, round, resolved),
    AUTO_CONVERGE_INITIAL_STATE,
  );
  return state.throttlePercent / 100;
}

/**
 * QEMU's auto-converge for the engine: feed it each completed live round; it answers the fraction of
 * CPU time (0..0.99) the guest workload loses from now on.
 */
export class AutoConverge {
  private readonly options: ResolvedAutoConvergeOptions;
  private current: AutoConvergeState = AUTO_CONVERGE_INITIAL_STATE;

  constructor(options: AutoConvergeOptions = {}) {
    this.options = resolveAutoConvergeOptions(options);
  }

  observe(round: PrecopyRound): number {
    this.current = autoConvergeStep(this.current, round, this.options);
    return this.throttleFraction;
  }

  get throttleFraction(): number {
    return this.current.throttlePercent / 100;
  }

  get state(): AutoConvergeState {
    return this.current;
  }
}
