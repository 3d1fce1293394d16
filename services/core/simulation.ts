import type { Clock, SimulatedClock } from "./clock.js";

/** Simulated milliseconds one runSimulation call may cover before it gives up (a hang is a bug). */
export const SIMULATION_MS_MAX = 3600 * 1000;
/** Event-loop turns without any timer due before the run counts as deadlocked. */
const IDLE_TURN_COUNT_MAX = 1000;
/**
 * Steps that wait for their promise chains without an event-loop turn (see runSimulation) before
 * one takes a turn anyway: what lies outside the simulation (a test's timeout, I/O, a signal) still
 * runs while a simulation does, at least this often.
 */
export const STEP_COUNT_PER_LOOP_TURN_MAX = 256;

/**
 * Runs `work` to completion under a simulated clock: lets pending promise chains settle, then moves
 * the clock to the next timer, and again, until `work` settles. Time only passes when everything
 * is waiting on the clock, so a run is exactly reproducible. (The one place the simulation harness
 * touches the event loop: to let promise chains run between timer firings.)
 *
 * The chains have settled when the microtask queue is empty: an event-loop turn (setImmediate)
 * waits for that, and so does a process.nextTick queued from a microtask, as every step after the
 * first is (node runs the tick queue only once the microtask queue is empty), for a fraction of a
 * turn's cost. Either way the same timers fire after the same promise continuations (the order a
 * run rests on: docs/architecture.md); only what lies outside the simulation waits longer. So a
 * step waits with a tick, but for the first, an idle wait, and every
 * STEP_COUNT_PER_LOOP_TURN_MAX-th, which take an event-loop turn.
 */
export async function runSimulation<T>(clock: SimulatedClock, work: Promise<T>): Promise<T> {
  let settled = false;
  let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  work.then(
    (value) => ((settled = true), (result = { ok: true, value })),
    (error: unknown) => ((settled = true), (result = { ok: false, error })),
  );
  const startMs = clock.nowMs();
  let idleTurns = 0;
  let stepsSinceLoopTurn = STEP_COUNT_PER_LOOP_TURN_MAX;
  while (!settled) {
    if (stepsSinceLoopTurn < STEP_COUNT_PER_LOOP_TURN_MAX)
      await new Promise<void>((resolve) => process.nextTick(resolve));
    else {
      stepsSinceLoopTurn = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (settled) break;
    const dueMs = clock.nextTimerDueMs();
    if (dueMs === undefined) {
      stepsSinceLoopTurn = STEP_COUNT_PER_LOOP_TURN_MAX; // waits for something outside: a turn
      if (++idleTurns > IDLE_TURN_COUNT_MAX)
        throw new Error("runSimulation: nothing to wait for, but the work has not settled");
      continue;
    }
    idleTurns = 0;
    if (dueMs - startMs > SIMULATION_MS_MAX)
      throw new Error(`runSimulation: more than ${SIMULATION_MS_MAX} ms of simulated time`);
    stepsSinceLoopTurn++;
    clock.advanceMs(Math.max(0, dueMs - clock.nowMs()));
  }
  if (!result!.ok) throw result!.error;
  return result!.value;
}

/**
 * Calls `fn` every `periodMs` of the clock's time until the returned function is called. One
 * re-armable timer (Clock.timer) for all the firings: each firing sets it again at the instant, and
 * in the order, a new setTimer would have (no timer record nor closure per firing).
 */
export function every(clock: Clock, periodMs: number, fn: () => void): () => void {
  let stopped = false;
  const timer = clock.timer(() => {
    fn();
    if (!stopped) timer.arm(periodMs);
  });
  timer.arm(periodMs);
  return () => {
    stopped = true;
    timer.cancel();
  };
}

/**
 * The delay from `nowMs` to the next multiple of `periodMs` of the clock's time, in (0, periodMs]:
 * timers of many processes on one grid fall due together (one simulation step for all of them).
 */
export function delayToGridMs(nowMs: number, periodMs: number): number {
  // Both whole and within int32 (every grid instant of a run under 24 days, on a grid of whole
  // ms): an integer remainder, which V8 compiles to an integer division, where the float `%`
  // below is a call to fmod; both give the same exact remainder of two integers.
  const nowInt = nowMs | 0;
  const periodInt = periodMs | 0;
  if (nowInt === nowMs && periodInt === periodMs && nowInt >= 0 && periodInt > 0)
    return periodInt - (nowInt % periodInt);
  const remainderMs = nowMs % periodMs;
  const delayMs = periodMs - remainderMs;
  return delayMs > 0 ? delayMs : periodMs;
}

/**
 * Calls `fn` at every multiple of `periodMs` of the clock's time until the returned function is
 * called (one re-armable timer, as `every`). `firstNow`: the first call is due at once (after what
 * is due now), for a caller at an instant of the grid whose call of this instant has not run yet.
 */
export function everyOnGrid(clock: Clock, periodMs: number, fn: () => void, firstNow = false): () => void {
  let stopped = false;
  const timer = clock.timer(() => {
    fn();
    if (!stopped) timer.arm(delayToGridMs(clock.nowMs(), periodMs));
  });
  timer.arm(firstNow ? 0 : delayToGridMs(clock.nowMs(), periodMs));
  return () => {
    stopped = true;
    timer.cancel();
  };
}
