import { ToolstackError } from "../dom0/errors.js";
import type { SimNetwork } from "./network.js";
import { ProcessTimerRecord, type SimProcess } from "./process.js";

/** How often a caller notices that the peer of an open call is gone (gRPC keepalive: time + timeout). */
export const CALL_KEEPALIVE_MS = 4000;

export interface CallOptions {
  /** Fail with DEADLINE_EXCEEDED-like UNAVAILABLE after this long (unary calls); none for streams. */
  deadlineMs?: number;
  /** What the call is, for the error message. */
  what: string;
  /** The error a call that got no answer fails with (default: UNAVAILABLE "WHAT to TO: why"). */
  unanswered?: (why: string) => Error | undefined;
}

/**
 * One call from process `from` to process `to` over the simulated network, as a gRPC call: the
 * request and the answer each take the link's delay; `work` runs as `to`; the answer runs as
 * `from`. A partition or a crash of `to` fails the call once keepalive notices; a stall of `to`
 * only makes it late. Nothing of the call runs in `from` once `from` crashed.
 */
export function simCall<T>(
  network: SimNetwork,
  from: string,
  to: string,
  work: () => T | Promise<T>,
  options: CallOptions,
): Promise<T> {
  const caller = network.process(from);
  const callee = network.process(to);
  const promise = new Promise<T>(takeSettlers);
  // They are this promise's: it takes a T.
  const resolve = taken.resolve as (value: T) => void;
  const reject = taken.reject;
  taken.resolve = taken.reject = settleNothing;
  new SimCall<T>(network, from, to, caller, callee, work, options, resolve, reject).start(caller);
  return promise;
}

/**
 * A promise's resolve and reject, as its executor (takeSettlers, run at once by `new Promise`)
 * hands them out: no executor closure per call.
 */
const taken: { resolve: (value: never) => void; reject: (error: Error) => void } = {
  resolve: settleNothing,
  reject: settleNothing,
};

/** What `taken` holds between calls (not the last call's: it would keep its promise). */
function settleNothing(): void {}

function takeSettlers(resolve: (value: never) => void, reject: (error: Error) => void): void {
  taken.resolve = resolve;
  taken.reject = reject;
}

/** A settled promise to chain the callee's work on (the one Promise.resolve() made afresh: the same step). */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * One call's state in one object (1,000 hosts' renewals are in flight at one instant: what they
 * hold is what a scavenge copies), which is also its deadline's timer record (ProcessTimerRecord),
 * with two closures made with it: `step`, which the request's arrival, the work's outcome and the
 * answer's arrival each call in turn (`phase`), and `stepFailed`, the work's failure. (It was six
 * closures, a ProcessTimer, its closure and its record per call: most of a renewal's garbage.)
 * Its timers and messages are set in the order simCall always set them: the keepalive (unless a
 * deadline no later than it ends the call first), the deadline, the request; the answer when the
 * work settles.
 */
class SimCall<T> extends ProcessTimerRecord {
  private settled = false;
  /** What `step` does when called next: each comes once, in this order. */
  private phase: "request" | "work" | "answer" = "request";
  private keepalive: CallKeepalive | undefined;
  private hasDeadline = false;
  private readonly calleeGeneration: number;
  /** The work's outcome, carried back by the answer. */
  private workValue: T | undefined;
  private workFailed = false;
  private workError: unknown;

  constructor(
    private readonly network: SimNetwork,
    private readonly from: string,
    private readonly to: string,
    caller: SimProcess,
    private readonly callee: SimProcess,
    private readonly work: () => T | Promise<T>,
    private readonly options: CallOptions,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: Error) => void,
  ) {
    super(caller);
    this.calleeGeneration = callee.generation;
  }

  start(caller: SimProcess): void {
    const { deadlineMs } = this.options;
    // A deadline no later than keepalive ends the call first: no keepalive to set and cancel.
    if (deadlineMs === undefined || deadlineMs > CALL_KEEPALIVE_MS) {
      this.keepalive = new CallKeepalive(caller, this);
      this.keepalive.arm();
    }
    if (deadlineMs !== undefined) {
      this.hasDeadline = true;
      this.place(deadlineMs);
    }
    const sent = this.network.send(this.from, this.to, this.step, true);
    if (!sent) this.unavailable("no route to host");
  }

  /** The deadline fell due. */
  protected due(): void {
    this.unavailable("deadline exceeded");
  }

  /** The keepalive fell due: the call fails if its connection is gone, else keepalive goes on. */
  keepaliveDue(keepalive: CallKeepalive): void {
    if (!this.network.connected(this.from, this.to) || this.callee.generation !== this.calleeGeneration)
      return this.unavailable("connection lost");
    keepalive.arm();
  }

  /**
   * The request arrived (at the callee: the work, chained as `Promise.resolve().then(work)` was,
   * its outcome a step later), the work succeeded (its answer back), or the answer arrived (at the
   * caller: the work's outcome). Each message and the work's promise call it once.
   */
  private readonly step = (value?: T): void => {
    if (this.phase === "request") {
      this.phase = "work";
      RESOLVED.then(this.work).then(this.step, this.stepFailed);
    } else if (this.phase === "work") {
      this.workValue = value;
      this.answer();
    } else this.onAnswer();
  };

  private readonly stepFailed = (error: unknown): void => {
    this.workFailed = true;
    this.workError = error;
    this.answer();
  };

  private answer(): void {
    this.phase = "answer";
    this.network.send(this.to, this.from, this.step, true);
  }

  /** At the caller: the work's outcome. */
  private onAnswer(): void {
    if (!this.beginSettling()) return;
    const error = this.workError;
    if (this.workFailed) this.reject(error instanceof Error ? error : new Error(String(error)));
    else this.resolve(this.workValue as T);
  }

  private unavailable(why: string): void {
    if (!this.beginSettling()) return;
    this.reject(
      this.options.unanswered?.(why) ??
        new ToolstackError("UNAVAILABLE", `${this.options.what} to ${this.to}: ${why}`),
    );
  }

  /** Whether the call settles now (once only): its timers are cancelled. */
  private beginSettling(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.keepalive?.cancel();
    if (this.hasDeadline) this.cancelPlaced();
    return true;
  }
}

/** A call's keepalive: set again each time it falls due while the connection holds. */
class CallKeepalive extends ProcessTimerRecord {
  constructor(
    caller: SimProcess,
    private readonly call: { keepaliveDue(keepalive: CallKeepalive): void },
  ) {
    super(caller);
  }

  /** Sets it CALL_KEEPALIVE_MS from now (first, or again once it fired). */
  arm(): void {
    this.place(CALL_KEEPALIVE_MS);
  }

  cancel(): void {
    this.cancelPlaced();
  }

  protected due(): void {
    this.call.keepaliveDue(this);
  }
}
