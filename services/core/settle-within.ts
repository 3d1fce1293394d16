import type { Clock } from "./clock.js";

/**
 * Waits for `work` for at most `waitMs` on `clock`: true if it settled in time (a rejection is
 * rethrown), false if not. The work goes on; a later rejection of it is swallowed, not unhandled.
 */
export function settleWithinMs(clock: Clock, work: Promise<unknown>, waitMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let late = false;
    const cancel = clock.setTimer(waitMs, () => {
      late = true;
      resolve(false);
    });
    work.then(
      () => {
        if (late) return;
        cancel();
        resolve(true);
      },
      (error: unknown) => {
        if (late) return;
        cancel();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
