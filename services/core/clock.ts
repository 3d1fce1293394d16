import { EventHeap } from "./sched/event-heap.js";

/**
 * Time comes into the core from outside. The core never reads the OS clock or sets timers itself:
 * a service wires `SystemClock` (services/wiring/system-clock.ts), a seeded test or simulation
 * wires `SimulatedClock`.
 */
export interface Clock {
  /** Monotonic time in nanoseconds since an arbitrary origin. */
  nowNs(): bigint;
  /** Monotonic time in milliseconds (fractional), for rates and durations. */
  nowMs(): number;
  /** Calls `fn` after `delayMs` of this clock's time; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

/** The latest time a SimulatedClock reaches: its timers sit in a heap keyed by ns as a safe integer (104 days). */
export const SIMULATED_TIME_NS_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Cancelled timers the heap may hold (they leave it lazily) before it is rebuilt without them. */
const CANCELLED_TIMER_COUNT_MAX = 1024;

interface PendingTimer {
  readonly atNs: number;
  readonly sequence: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to; timers fire in due order, ties in the order they were set.
 * Its timers sit in the deterministic EventHeap of the vCPU scheduler (sched/event-heap.ts), so
 * setting, cancelling and firing a timer are O(log timers).
 */
export class SimulatedClock implements Clock {
  /** The time in ns as a safe integer (nowMs is read far more often than nowNs). */
  private timeNs: number;
  private heap = new EventHeap<PendingTimer>();
  private sequenceNext = 0;
  private cancelledCount = 0;
  /** Timers fired so far: the simulation's count of events, whatever the machine. */
  timerCountFired = 0;

  constructor(startNs: bigint = 0n) {
    if (startNs < 0n || startNs > SIMULATED_TIME_NS_MAX)
      throw new Error(`SimulatedClock: start ${startNs} ns is outside 0..${SIMULATED_TIME_NS_MAX}`);
    this.timeNs = Number(startNs);
  }

  nowNs(): bigint {
    return BigInt(this.timeNs);
  }
  nowMs(): number {
    return this.timeNs / 1e6;
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    if (!(delayMs >= 0)) throw new Error(`SimulatedClock.setTimer: delay ${delayMs} ms is not >= 0`);
    const dueNs = this.timeNs + Math.round(delayMs * 1e6);
    if (!(dueNs <= Number.MAX_SAFE_INTEGER))
      throw new Error(`SimulatedClock.setTimer: due at ${dueNs} ns, past ${SIMULATED_TIME_NS_MAX} ns`);
    const timer: PendingTimer = { atNs: dueNs, sequence: this.sequenceNext++, fn, cancelled: false };
    this.heap.push(timer);
    return () => this.cancel(timer);
  }

  /** Advances time by `deltaMs`, firing every timer that falls due on the way, in order. */
  advanceMs(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new Error(`SimulatedClock.advanceMs: delta ${deltaMs} ms is not >= 0`);
    const targetNs = this.timeNs + Math.round(deltaMs * 1e6);
    if (!(targetNs <= Number.MAX_SAFE_INTEGER))
      throw new Error(`SimulatedClock.advanceMs: to ${targetNs} ns, past ${SIMULATED_TIME_NS_MAX} ns`);
    for (let next = this.peekLive(); next !== undefined; next = this.peekLive()) {
      if (next.atNs > targetNs) break;
      this.heap.pop();
      next.cancelled = true; // fired: a later cancel() is a no-op
      this.timeNs = next.atNs;
      this.timerCountFired++;
      next.fn();
    }
    this.timeNs = targetNs;
  }

  /** When the next timer falls due, in this clock's milliseconds; undefined when none is set. */
  nextTimerDueMs(): number | undefined {
    const next = this.peekLive();
    return next === undefined ? undefined : next.atNs / 1e6;
  }

  pendingTimerCount(): number {
    return this.heap.size - this.cancelledCount;
  }

  /** The earliest timer not cancelled, dropping cancelled ones from the top of the heap. */
  private peekLive(): PendingTimer | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (!top.cancelled) return top;
      this.heap.pop();
      this.cancelledCount--;
    }
    return undefined;
  }

  private cancel(timer: PendingTimer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.cancelledCount++;
    if (this.cancelledCount > CANCELLED_TIMER_COUNT_MAX && this.cancelledCount > this.pendingTimerCount())
      this.rebuild();
  }

  /** Drops every cancelled timer from the heap (amortised: only once they outnumber the live ones). */
  private rebuild(): void {
    const live: PendingTimer[] = [];
    for (let timer = this.heap.pop(); timer !== undefined; timer = this.heap.pop())
      if (!timer.cancelled) live.push(timer);
    this.heap = new EventHeap<PendingTimer>();
    for (const timer of live) this.heap.push(timer);
    this.cancelledCount = 0;
  }
}
