import { ToolstackError } from "../dom0/errors.js";
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
  return new Promise<T>((resolve, reject) =>
    new SimCall(network, from, to, caller, callee, work, options, resolve, reject).start(),
  );
}

/**
 * One call's state in one object (1,000 hosts' renewals are in flight at one instant: what they
 * hold is what a scavenge copies). Its timers and messages are set in the order simCall always set
 * them: the keepalive (unless a deadline no later than it ends the call first), the deadline, the
 * request; the answer when the work settles.
 */
class SimCall<T> {
  private settled = false;
  private cancelKeepalive: (() => void) | undefined;
  private cancelDeadline: (() => void) | undefined;
  private readonly calleeGeneration: number;

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
    if (deadlineMs === undefined || deadlineMs > CALL_KEEPALIVE_MS) this.watch();
    if (deadlineMs !== undefined)
      this.cancelDeadline = this.caller.clock.setTimer(deadlineMs, () =>
        this.unavailable("deadline exceeded"),
      );
    const sent = this.network.send(this.from, this.to, () => this.request(), true);
    if (!sent) this.unavailable("no route to host");
  }

  private watch(): void {
    this.cancelKeepalive = this.caller.clock.setTimer(CALL_KEEPALIVE_MS, () => {
      if (!this.network.connected(this.from, this.to) || this.callee.generation !== this.calleeGeneration)
        return this.unavailable("connection lost");
      this.watch();
    });
  }

  /** At the callee: the work, then its answer back. */
  private request(): void {
    Promise.resolve()
      .then(this.work)
      .then(
        (value) => this.answer(() => this.resolve(value)),
        (error: unknown) =>
          this.answer(() => this.reject(error instanceof Error ? error : new Error(String(error)))),
      );
  }

  private answer(outcome: () => void): void {
    this.network.send(this.to, this.from, () => this.settle(outcome), true);
  }

  private unavailable(why: string): void {
    this.settle(() =>
      this.reject(
        this.options.unanswered?.(why) ??
          new ToolstackError("UNAVAILABLE", `${this.options.what} to ${this.to}: ${why}`),
      ),
    );
  }

  private settle(outcome: () => void): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelKeepalive?.();
    this.cancelDeadline?.();
    outcome();
  }
}
