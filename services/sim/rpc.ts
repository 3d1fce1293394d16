import { ToolstackError } from "../dom0/errors.js";
import type { ClockTimer } from "../core/clock.js";
import type { SimNetwork } from "./network.js";
import type { SimProcess } from "./process.js";

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
  new SimCall<T>(network, from, to, caller, callee, work, options, resolve, reject).start();
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

/**
 * One call's state in one object (1,000 hosts' renewals are in flight at one instant: what they
 * hold is what a scavenge copies), its callbacks made once with it rather than a closure per step.
 * Its timers and messages are set in the order simCall always set them: the keepalive (unless a
 * deadline no later than it ends the call first), the deadline, the request; the answer when the
 * work settles.
 */
class SimCall<T> {
  private settled = false;
  /**
   * Its timers, as ClockTimers: a ProcessClock.setTimer record is an object literal, which V8
   * pretenures (core/clock.ts TimerRecord) and which then kept the call's young objects alive
   * through scavenges (~140 of the ~160 promoted bytes per idle host-second that were left).
   */
  private keepalive: ClockTimer | undefined;
  private deadline: ClockTimer | undefined;
  private readonly calleeGeneration: number;
  /** The work's outcome, carried back by the answer. */
  private workValue: T | undefined;
  private workFailed = false;
  private workError: unknown;

  constructor(
    private readonly network: SimNetwork,
    private readonly from: string,
    private readonly to: string,
    private readonly caller: SimProcess,
    private readonly callee: SimProcess,
    private readonly work: () => T | Promise<T>,
    private readonly options: CallOptions,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.calleeGeneration = callee.generation;
  }

  start(): void {
    const { deadlineMs } = this.options;
    // A deadline no later than keepalive ends the call first: no keepalive to set and cancel.
    if (deadlineMs === undefined || deadlineMs > CALL_KEEPALIVE_MS) {
      this.keepalive = this.caller.clock.timer(this.onKeepalive);
      this.keepalive.arm(CALL_KEEPALIVE_MS);
    }
    if (deadlineMs !== undefined) {
      this.deadline = this.caller.clock.timer(this.onDeadline);
      this.deadline.arm(deadlineMs);
    }
    const sent = this.network.send(this.from, this.to, this.onRequest, true);
    if (!sent) this.unavailable("no route to host");
  }

  private readonly onDeadline = (): void => this.unavailable("deadline exceeded");

  private readonly onKeepalive = (): void => {
    if (!this.network.connected(this.from, this.to) || this.callee.generation !== this.calleeGeneration)
      return this.unavailable("connection lost");
    this.keepalive!.arm(CALL_KEEPALIVE_MS);
  };

  /** At the callee: the work, then its answer back. */
  private readonly onRequest = (): void => {
    Promise.resolve().then(this.work).then(this.onWorkDone, this.onWorkFailed);
  };

  private readonly onWorkDone = (value: T): void => {
    this.workValue = value;
    this.answer();
  };

  private readonly onWorkFailed = (error: unknown): void => {
    this.workFailed = true;
    this.workError = error;
    this.answer();
  };

  private answer(): void {
    this.network.send(this.to, this.from, this.onAnswer, true);
  }

  /** At the caller: the work's outcome. */
  private readonly onAnswer = (): void => {
    if (!this.beginSettling()) return;
    const error = this.workError;
    if (this.workFailed) this.reject(error instanceof Error ? error : new Error(String(error)));
    else this.resolve(this.workValue as T);
  };

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
    this.deadline?.cancel();
    return true;
  }
}
