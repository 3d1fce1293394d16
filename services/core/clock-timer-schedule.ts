import { timerOfSetTimer, type Clock, type ClockTimer } from "./clock.js";

/** How many timers the mixed schedule re-arms: enough for ties and cross-cancels. */
const LOOP_COUNT = 5;
/** The delays a loop picks from, in ms: 0 (the same instant), ties on a shared grid, odd ones. */
const DELAYS_MS = [0, 1, 2.5, 10, 10, 10, 7, 0.5] as const;

/**
 * A mixed schedule for comparing a clock's ClockTimer with the setTimer-per-setting pattern it
 * replaces: LOOP_COUNT timers that re-arm themselves (same instant, shared grid, odd delays), arm and
 * cancel each other, interleaved with one-shot setTimer calls and cancels; every choice comes from
 * a fixed linear congruential sequence, so two runs that fire in the same order make the same
 * choices. Returns the log of what fired when; `between(step)` runs outside the timers each step.
 */
export function runMixedSchedule(
  clock: Clock,
  advanceMs: (deltaMs: number) => void,
  timerOf: "ClockTimer" | "setTimer",
  stepCount: number,
  between: (step: number) => void = () => undefined,
): string[] {
  const log: string[] = [];
  let state = 12345;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const cancels: (() => void)[] = [];
  const timers: ClockTimer[] = [];
  const act = (who: string): void => {
    const choice = next(10);
    const loop = timers[next(LOOP_COUNT)]!;
    const delayMs = DELAYS_MS[next(DELAYS_MS.length)]!;
    if (choice < 5) loop.arm(delayMs);
    else if (choice < 6) loop.cancel();
    else if (choice < 8) {
      const label = `${who}>once${log.length}`;
      cancels.push(clock.setTimer(delayMs, () => log.push(`${clock.nowNs()} ${label}`)));
    } else if (choice < 9 && cancels.length > 0) cancels.splice(next(cancels.length), 1)[0]!();
  };
  for (let index = 0; index < LOOP_COUNT; index++) {
    const fn = (): void => {
      log.push(`${clock.nowNs()} loop${index}`);
      act(`loop${index}`);
      if (next(4) > 0) timers[index]!.arm(DELAYS_MS[next(DELAYS_MS.length)]!);
    };
    timers.push(timerOf === "ClockTimer" ? clock.timer(fn) : timerOfSetTimer(clock, fn));
  }
  for (const timer of timers) timer.arm(10);
  for (let step = 0; step < stepCount; step++) {
    between(step);
    act("outside");
    advanceMs([0, 0.5, 3, 10, 25][next(5)]!);
  }
  return log;
}
