import { timerOfSetTimer, type Clock, type ClockTimer } from "../core/clock.js";

/** The OS clock and timers, for the real services; the core only ever sees the `Clock` interface. */
export class SystemClock implements Clock {
  nowNs(): bigint {
    return process.hrtime.bigint();
  }
  nowMs(): number {
    return Number(process.hrtime.bigint()) / 1e6;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, delayMs);
    handle.unref?.();
    return () => clearTimeout(handle);
  }
  timer(fn: () => void): ClockTimer {
    return timerOfSetTimer(this, fn);
  }
}
