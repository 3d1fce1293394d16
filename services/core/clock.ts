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
  /**
   * A timer for `fn` to set again and again (a tick loop) without new objects per setting; each
   * `arm` fires at the same instant and in the same order as a `setTimer` made at that point would.
   */
  timer(fn: () => void): ClockTimer;
}

/** A re-armable timer of one function (Clock.timer). */
export interface ClockTimer {
  /** Cancels the pending setting, if any, then calls the function after `delayMs`, as `setTimer` would. */
  arm(delayMs: number): void;
  /** Cancels the pending setting; a no-op when none is pending. */
  cancel(): void;
}

/** A ClockTimer made of `setTimer` calls, for clocks without a cheaper one. */
export function timerOfSetTimer(clock: Pick<Clock, "setTimer">, fn: () => void): ClockTimer {
  let cancelPending: (() => void) | undefined;
  return {
    arm(delayMs: number): void {
      cancelPending?.();
      cancelPending = clock.setTimer(delayMs, fn);
    },
    cancel(): void {
      cancelPending?.();
      cancelPending = undefined;
    },
  };
}

/** The latest time a SimulatedClock reaches: its timers sit in a heap keyed by ns as a safe integer (104 days). */
export const SIMULATED_TIME_NS_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Instants the heap may hold without a live timer (they leave it lazily) before it is rebuilt without them. */
const DEAD_INSTANT_COUNT_MAX = 1024;

/**
 * A timer; once fired or cancelled (a later cancel() is a no-op) it lets go of its function and
 * instant, since a caller may keep its cancel function for long. Its function is called with the
 * timer as `this`: a record that carries what its firing needs (a subclass of TimerRecord) fires
 * through one shared function, no closure per timer.
 */
export interface PendingTimer {
  fn: (() => void) | undefined;
  instant: Instant | undefined;
}

/**
 * A PendingTimer made with `new`, never as an object literal: V8 pretenures a literal's allocation
 * site once most of its objects outlived a scavenge (timers set while a cluster boots do), and
 * with timer records made in the old generation the closures, calls and messages in flight they
 * reached survived scavenges and were promoted, nearly all to die soon after (1,000 idle hosts:
 * ~220 promoted bytes per host-second, a quarter of the CPU in GC; ~3 with no record a literal,
 * ProcessClock's included). A class has no allocation site to pretenure.
 */
export class TimerRecord implements PendingTimer {
  instant: Instant | undefined = undefined;

  constructor(public fn: (() => void) | undefined) {}
}

/** Every timer due at one instant, in the order they were set: one heap entry for all of them. */
interface Instant {
  readonly atNs: number;
  readonly sequence: number;
  readonly timers: PendingTimer[];
  /** Timers of this instant neither fired nor cancelled. */
  liveCount: number;
  /** How far firing has gone through `timers`. */
  firedIndex: number;
}

/**
 * A clock that only moves when told to; timers fire in due order, ties in the order they were set.
 * Timers due at the same instant share one entry of the deterministic EventHeap of the vCPU
 * scheduler (sched/event-heap.ts), so that the many processes of one simulation on a shared grid
 * (heartbeats, ticks) cost one heap operation per instant, not per timer; setting and cancelling a
 * timer is O(1) at an instant already due, O(log instants) otherwise.
 */
export class SimulatedClock implements Clock {
  /** The time in ns as a safe integer (nowMs is read far more often than nowNs). */
  private timeNs: number;
  private heap = new EventHeap<Instant>();
  /** The instants in the heap that may still take timers, by due time. */
  private readonly instants = new Map<number, Instant>();
  private sequenceNext = 0;
  private liveCount = 0;
  /** Instants in the heap whose every timer was cancelled. */
  private deadInstantCount = 0;
  /** The instant whose timers are firing (out of the heap meanwhile). */
  private firing: Instant | undefined;
  /**
   * The instant placeTimer last found or made, while it is in `instants`: the timers of a step
   * mostly go to one instant (a grid's next, a message's now), found without a Map lookup.
   */
  private lastPlaced: Instant | undefined;
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
    const timer = new TimerRecord(fn);
    this.placeTimer(delayMs, timer);
    return () => this.cancelTimer(timer);
  }

  timer(fn: () => void): ClockTimer {
    return new SimulatedTimer(this, fn);
  }

  /** `setTimer` for a timer nobody cancels (a message on its way): the same instant, no cancel function. */
  schedule(delayMs: number, fn: () => void): void {
    this.placeTimer(delayMs, new TimerRecord(fn));
  }

  /** Puts a timer (fn set, instant not) at its instant `delayMs` from now: a new instant takes the next sequence. */
  placeTimer(delayMs: number, timer: PendingTimer): void {
    if (!(delayMs >= 0)) throw new Error(`SimulatedClock.setTimer: delay ${delayMs} ms is not >= 0`);
    const dueNs = this.timeNs + Math.round(delayMs * 1e6);
    if (!(dueNs <= Number.MAX_SAFE_INTEGER))
      throw new Error(`SimulatedClock.setTimer: due at ${dueNs} ns, past ${SIMULATED_TIME_NS_MAX} ns`);
    // The instant firing is in `instants` until it has fired (forget comes after): a timer for now
    // (a message sent) joins it without a lookup and leaves lastPlaced to the next instant.
    const firing = this.firing;
    let instant = firing !== undefined && firing.atNs === dueNs ? firing : this.lastPlaced;
    if (instant === undefined || instant.atNs !== dueNs) {
      instant = this.instants.get(dueNs);
      if (instant === undefined) {
        instant = { atNs: dueNs, sequence: this.sequenceNext++, timers: [], liveCount: 0, firedIndex: 0 };
        this.instants.set(dueNs, instant);
        this.heap.push(instant);
      }
      this.lastPlaced = instant;
    }
    timer.instant = instant;
    instant.timers.push(timer);
    instant.liveCount++;
    this.liveCount++;
  }

  /** Advances time by `deltaMs`, firing every timer that falls due on the way, in order. */
  advanceMs(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new Error(`SimulatedClock.advanceMs: delta ${deltaMs} ms is not >= 0`);
    const targetNs = this.timeNs + Math.round(deltaMs * 1e6);
    if (!(targetNs <= Number.MAX_SAFE_INTEGER))
      throw new Error(`SimulatedClock.advanceMs: to ${targetNs} ns, past ${SIMULATED_TIME_NS_MAX} ns`);
    for (let next = this.peekLive(); next !== undefined; next = this.peekLive()) {
      if (next.atNs > targetNs) break;
      this.timeNs = next.atNs;
      this.fireInstant(next);
    }
    this.timeNs = targetNs;
  }

  /**
   * Fires an instant's timers in the order set, including those set meanwhile for the same instant
   * (appended to it). It leaves the heap first; if a timer throws, the rest stay due.
   */
  private fireInstant(instant: Instant): void {
    this.heap.pop();
    this.firing = instant;
    const timers = instant.timers;
    try {
      while (instant.firedIndex < timers.length) {
        const timer = timers[instant.firedIndex++]!;
        const fn = timer.fn;
        if (fn === undefined) continue;
        timer.fn = undefined;
        timer.instant = undefined;
        instant.liveCount--;
        this.liveCount--;
        this.timerCountFired++;
        fn.call(timer);
      }
    } finally {
      this.firing = undefined;
      if (instant.liveCount > 0) this.heap.push(instant);
      else {
        this.forget(instant);
        timers.length = 0;
      }
    }
  }

  /** When the next timer falls due, in this clock's milliseconds; undefined when none is set. */
  nextTimerDueMs(): number | undefined {
    const next = this.peekLive();
    return next === undefined ? undefined : next.atNs / 1e6;
  }

  pendingTimerCount(): number {
    return this.liveCount;
  }

  /** The earliest instant with a timer not cancelled, dropping dead ones from the top of the heap. */
  private peekLive(): Instant | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (top.liveCount > 0) return top;
      this.heap.pop();
      this.deadInstantCount--;
    }
    return undefined;
  }

  cancelTimer(timer: PendingTimer): void {
    const instant = timer.instant;
    if (instant === undefined) return;
    timer.fn = undefined;
    timer.instant = undefined;
    this.liveCount--;
    if (--instant.liveCount > 0 || instant === this.firing) return;
    // Dead: it takes no more timers (a new one at its time makes a new instant, after it), lets
    // go of its timers' closures, and leaves the heap lazily, or in a rebuild once dead instants
    // outnumber the live ones.
    this.forget(instant);
    instant.timers.length = 0;
    this.deadInstantCount++;
    if (this.deadInstantCount > DEAD_INSTANT_COUNT_MAX && 2 * this.deadInstantCount > this.heap.size)
      this.rebuild();
  }

  /** An instant takes no more timers: a timer set at its time makes a new one. */
  private forget(instant: Instant): void {
    if (this.instants.get(instant.atNs) === instant) this.instants.delete(instant.atNs);
    if (this.lastPlaced === instant) this.lastPlaced = undefined;
  }

  /** Drops every dead instant from the heap. */
  private rebuild(): void {
    const live: Instant[] = [];
    for (let instant = this.heap.pop(); instant !== undefined; instant = this.heap.pop())
      if (instant.liveCount > 0) live.push(instant);
    this.heap = new EventHeap<Instant>();
    for (const instant of live) this.heap.push(instant);
    this.deadInstantCount = 0;
  }
}

/**
 * SimulatedClock's ClockTimer: one record for all its settings. A fired record sits only at an
 * index its instant has already fired past, so it is set again as is; a cancelled one may still sit
 * ahead in an instant being fired, so the next setting takes a new record.
 */
class SimulatedTimer implements ClockTimer {
  private record: PendingTimer | undefined;
  private fired = false;
  private readonly onFire = (): void => {
    this.fired = true;
    this.fn();
  };

  constructor(
    private readonly clock: SimulatedClock,
    private readonly fn: () => void,
  ) {}

  arm(delayMs: number): void {
    this.cancel();
    let record = this.record;
    if (record === undefined || !this.fired) record = this.record = new TimerRecord(undefined);
    record.fn = this.onFire;
    this.fired = false;
    this.clock.placeTimer(delayMs, record);
  }

  cancel(): void {
    const record = this.record;
    if (record !== undefined && record.instant !== undefined) this.clock.cancelTimer(record);
  }
}
