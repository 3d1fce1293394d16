/**
 * Time comes into the core from outside. The core never reads the OS clock or sets timers itself:
 * a service wires `SystemClock`, a seeded test or simulation wires `SimulatedClock`.
 */
export interface Clock {
  /** Monotonic time in nanoseconds since an arbitrary origin. */
  nowNs(): bigint;
  /** Monotonic time in milliseconds (fractional), for rates and durations. */
  nowMs(): number;
  /** Calls `fn` after `delayMs` of this clock's time; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

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
}

interface PendingTimer {
  dueNs: bigint;
  sequence: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire in due order, ties in the order they were set. */
export class SimulatedClock implements Clock {
  private timeNs: bigint;
  private timers: PendingTimer[] = [];
  private sequenceNext = 0;

  constructor(startNs: bigint = 0n) {
    this.timeNs = startNs;
  }

  nowNs(): bigint {
    return this.timeNs;
  }
  nowMs(): number {
    return Number(this.timeNs) / 1e6;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    if (!(delayMs >= 0)) throw new Error(`SimulatedClock.setTimer: delay ${delayMs} ms is not >= 0`);
    const timer: PendingTimer = {
      dueNs: this.timeNs + BigInt(Math.round(delayMs * 1e6)),
      sequence: this.sequenceNext++,
      fn,
    };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Advances time by `deltaMs`, firing every timer that falls due on the way, in order. */
  advanceMs(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new Error(`SimulatedClock.advanceMs: delta ${deltaMs} ms is not >= 0`);
    const targetNs = this.timeNs + BigInt(Math.round(deltaMs * 1e6));
    for (;;) {
      const next = this.nextDue(targetNs);
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.timeNs = next.dueNs;
      next.fn();
    }
    this.timeNs = targetNs;
  }

  /** When the next timer falls due, in this clock's milliseconds; undefined when none is set. */
  nextTimerDueMs(): number | undefined {
    const next = this.nextDue(BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n);
    return next === undefined ? undefined : Number(next.dueNs) / 1e6;
  }

  pendingTimerCount(): number {
    return this.timers.length;
  }

  private nextDue(limitNs: bigint): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.dueNs > limitNs) continue;
      if (
        best === undefined ||
        t.dueNs < best.dueNs ||
        (t.dueNs === best.dueNs && t.sequence < best.sequence)
      ) {
        best = t;
      }
    }
    return best;
  }
}
