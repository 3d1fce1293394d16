import { ToolstackError } from "../dom0/errors.js";
import type { SimNetwork } from "./network.js";

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
  const calleeGeneration = callee.generation;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancels: Array<() => void> = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      for (const cancel of cancels) cancel();
      outcome();
    };
    const unavailable = (why: string) =>
      settle(() =>
        reject(
          options.unanswered?.(why) ?? new ToolstackError("UNAVAILABLE", `${options.what} to ${to}: ${why}`),
        ),
      );
    const watch = () => {
      cancels.push(
        caller.clock.setTimer(CALL_KEEPALIVE_MS, () => {
          if (!network.connected(from, to) || callee.generation !== calleeGeneration)
            return unavailable("connection lost");
          watch();
        }),
      );
    };
    // A deadline no later than keepalive ends the call first: no keepalive to set and cancel.
    if (options.deadlineMs === undefined || options.deadlineMs > CALL_KEEPALIVE_MS) watch();
    if (options.deadlineMs !== undefined)
      cancels.push(caller.clock.setTimer(options.deadlineMs, () => unavailable("deadline exceeded")));
    const answer = (outcome: () => void) => network.send(to, from, () => settle(outcome), true);
    const sent = network.send(
      from,
      to,
      () => {
        Promise.resolve()
          .then(work)
          .then(
            (value) => answer(() => resolve(value)),
            (error: unknown) =>
              answer(() => reject(error instanceof Error ? error : new Error(String(error)))),
          );
      },
      true,
    );
    if (!sent) unavailable("no route to host");
  });
}
