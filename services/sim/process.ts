import { TimerRecord, type Clock, type ClockTimer, type SimulatedClock } from "../core/clock.js";

export type ProcessState = "running" | "crashed";

/**
 * Counts the stalls, crashes and restarts of a network's processes: while it stands still, every
 * process found running (in its generation, not stalled) is still so (sim/shared-second.ts).
 */
export class ProcessChanges {
  count = 0;
}

/**
 * One simulated OS process (a host, the scheduler, the broker) in the one-process cluster. Its
 * timers and the messages it receives run only while it runs: a stalled process (its event loop
 * blocked, `kill -STOP`) runs them when the stall ends, in order; a crashed one never runs them, and
 * a restart begins a new generation whose objects the caller builds afresh.
 */
export class SimProcess {
  state: ProcessState = "running";
  private stalledUntilMs = 0;
  /** When the current stall began (a stall extended while it lasts keeps its start). */
  private stallStartMs = 0;
  private generationNow = 0;
  readonly clock: Clock;

  constructor(
    readonly processId: string,
    readonly simClock: SimulatedClock,
    private readonly changes: ProcessChanges = new ProcessChanges(),
  ) {
    this.clock = new ProcessClock(this);
  }

  get generation(): number {
    return this.generationNow;
  }

  get isStalled(): boolean {
    return this.simClock.nowMs() < this.stalledUntilMs;
  }

  /** When the stall it is in now began; undefined while it runs. */
  get stalledSinceMs(): number | undefined {
    return this.isStalled ? this.stallStartMs : undefined;
  }

  /** Whether the process runs now (neither crashed nor stalled). */
  get isRunning(): boolean {
    return this.state === "running" && !this.isStalled;
  }

  /**
   * Runs `fn` as this process, in the generation `generation`: now if it runs, when its stall ends
   * if stalled, never if it crashed or restarted since.
   */
  run(fn: () => void, generation = this.generationNow): void {
    if (this.state !== "running" || generation !== this.generationNow) return;
    const waitMs = this.stalledUntilMs - this.simClock.nowMs();
    if (waitMs > 0) {
      this.simClock.setTimer(waitMs, () => this.run(fn, generation));
      return;
    }
    fn();
  }

  /** Blocks the event loop for `durationMs` from now (a longer stall already set wins). */
  stall(durationMs: number): void {
    if (!(durationMs >= 0)) throw new Error(`SimProcess.stall: ${durationMs} ms is not >= 0`);
    if (!this.isStalled) this.stallStartMs = this.simClock.nowMs();
    this.stalledUntilMs = Math.max(this.stalledUntilMs, this.simClock.nowMs() + durationMs);
    this.changes.count++;
  }

  /** Kills the process: everything it had scheduled or was about to receive is lost. */
  crash(): void {
    this.state = "crashed";
    this.stalledUntilMs = 0;
    this.generationNow++;
    this.changes.count++;
  }

  /** Starts it again, empty: the caller builds the new process's objects. */
  restart(): void {
    if (this.state !== "crashed") throw new Error(`SimProcess.restart: ${this.processId} is running`);
    this.state = "running";
    this.generationNow++;
    this.changes.count++;
  }
}

/** A process's own view of the simulated clock: its timers obey the process's stalls and crashes. */
class ProcessClock implements Clock {
  constructor(private readonly process: SimProcess) {}

  nowNs(): bigint {
    return this.process.simClock.nowNs();
  }

  nowMs(): number {
    return this.process.simClock.nowMs();
  }

  /**
   * A timer that runs `fn` as `SimProcess.run` would (at once while the process runs in this
   * generation, at the stall's end, or never), unless cancelled first: one SimulatedClock record and
   * two closures (the firing and the cancel), no closure per firing while the process runs.
   */
  setTimer(delayMs: number, fn: () => void): () => void {
    const process = this.process;
    const simClock = process.simClock;
    const generation = process.generation;
    let cancelled = false;
    // Made with new, not as a literal: a literal's site gets pretenured (core/clock.ts TimerRecord).
    const record = new TimerRecord(undefined);
    record.fn = () => {
      if (process.isRunning && process.generation === generation) {
        if (!cancelled) fn();
        return;
      }
      process.run(() => {
        if (!cancelled) fn();
      }, generation);
    };
    simClock.placeTimer(delayMs, record);
    return () => {
      cancelled = true;
      simClock.cancelTimer(record);
    };
  }

  timer(fn: () => void): ClockTimer {
    return new ProcessTimer(this.process, fn);
  }
}

/**
 * ProcessClock's ClockTimer, one SimulatedClock record for all its settings (as SimulatedClock's
 * own ClockTimer: a fired record sits only at an index its instant has fired past, so it is set
 * again as is; a cancelled one may still sit ahead in an instant being fired, so the next setting
 * takes a new record). A setting that falls due while the process runs in its generation calls the
 * function at once, as `SimProcess.run` would; otherwise it goes through `run` (wait out a stall, or
 * drop) with a flag of its own that `cancel` sets, as `ProcessClock.setTimer`'s would be. The record
 * calls `onDue` itself (no SimulatedClock timer in between: one object and one call less per firing
 * of a host's timer a second).
 */
class ProcessTimer implements ClockTimer {
  private generation = 0;
  private record: TimerRecord | undefined;
  private fired = false;
  /** The flag of a setting waiting in `run` for the process's stall to end (StallWaiter). */
  waiting: { cancelled: boolean } | undefined;

  constructor(
    private readonly process: SimProcess,
    private readonly fn: () => void,
  ) {}

  arm(delayMs: number): void {
    this.cancel();
    this.generation = this.process.generation;
    let record = this.record;
    if (record === undefined || !this.fired) record = this.record = new TimerRecord(undefined);
    record.fn = this.onDue;
    this.fired = false;
    this.process.simClock.placeTimer(delayMs, record);
  }

  cancel(): void {
    const record = this.record;
    if (record !== undefined && record.instant !== undefined) this.process.simClock.cancelTimer(record);
    cancelWaiting(this);
  }

  private readonly onDue = (): void => {
    this.fired = true;
    fireAsProcess(this.process, this.generation, this);
  };

  /** StallWaiter.runDue. */
  runDue(): void {
    this.fn();
  }
}

/** A timer of a process whose firing may wait for the process's stall to end (fireAsProcess). */
interface StallWaiter {
  /** The flag of a firing waiting in `run` for the stall to end; its timer's cancel sets it. */
  waiting: { cancelled: boolean } | undefined;
  /** What the timer does when it fires. */
  runDue(): void;
}

/**
 * What a process's timer does when it falls due (ProcessTimer, ProcessTimerRecord): its runDue at
 * once while `process` runs in `generation`; otherwise as `SimProcess.run` would (when the stall
 * ends, or never), unless the timer is cancelled first.
 */
function fireAsProcess(process: SimProcess, generation: number, waiter: StallWaiter): void {
  if (process.isRunning && process.generation === generation) {
    waiter.runDue();
    return;
  }
  const waiting = { cancelled: false };
  waiter.waiting = waiting;
  process.run(() => {
    if (waiter.waiting === waiting) waiter.waiting = undefined;
    if (!waiting.cancelled) waiter.runDue();
  }, generation);
}

/** A waiting firing of `waiter` will not run (its timer was cancelled or set again). */
function cancelWaiting(waiter: StallWaiter): void {
  if (waiter.waiting !== undefined) waiter.waiting.cancelled = true;
  waiter.waiting = undefined;
}

/**
 * A timer record of one process that fires through its own `due()` (a subclass carries what its
 * firing needs: no ProcessTimer, closure nor second record per timer), at the instant and in the
 * order a `ProcessClock.timer` armed at that point would, with its stall and crash semantics: due
 * while the process runs in the generation it was placed in, `due()` runs at once; otherwise as
 * `SimProcess.run` would run it (when the stall ends, or never). `cancel` undoes a placement,
 * whether it waits in the clock or for the stall's end.
 *
 * Placed again only once it has fired, never after a cancel: a cancelled record may still sit
 * ahead in an instant being fired (ProcessTimer takes a new record then; this one cannot).
 */
export abstract class ProcessTimerRecord extends TimerRecord {
  private placedGeneration = 0;
  /** The flag of a firing waiting in `run` for the process's stall to end (StallWaiter). */
  waiting: { cancelled: boolean } | undefined;

  constructor(private readonly owner: SimProcess) {
    super(undefined);
  }

  protected abstract due(): void;

  /** Sets it `delayMs` from now (not pending, and not cancelled before: see above). */
  protected place(delayMs: number): void {
    if (this.instant !== undefined) throw new Error("ProcessTimerRecord.place: it is pending already");
    this.placedGeneration = this.owner.generation;
    this.fn = fireProcessTimerRecord;
    this.owner.simClock.placeTimer(delayMs, this);
  }

  /** Undoes the placement, if any; the record is not placed again. */
  protected cancelPlaced(): void {
    if (this.instant !== undefined) this.owner.simClock.cancelTimer(this);
    cancelWaiting(this);
  }

  /** The clock fired it (fireProcessTimerRecord): as ProcessTimer's onDue. */
  fire(): void {
    fireAsProcess(this.owner, this.placedGeneration, this);
  }

  /** StallWaiter.runDue. */
  runDue(): void {
    this.due();
  }
}

/** Every ProcessTimerRecord's `fn`: the clock calls it with the record as `this`. */
function fireProcessTimerRecord(this: ProcessTimerRecord): void {
  this.fire();
}
