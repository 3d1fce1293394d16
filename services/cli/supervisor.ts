/**
 * Restarts a service that failed, as compose's `restart: on-failure` and systemd's
 * `Restart=on-failure` do: a child killed by a signal or exiting non-zero is started again after
 * a delay that doubles up to a cap; one that exits 0 stopped on purpose and is not. Too many
 * restarts within a window (systemd's StartLimitBurst) and the supervisor gives up. Pure: the
 * caller passes the clock reading and how the child ended.
 */

/** First delay before a restart. */
export const RESTART_DELAY_MS_MIN = 250;
/** Longest delay between restarts. */
export const RESTART_DELAY_MS_MAX = 8000;
/** Restarts allowed within RESTART_WINDOW_MS before the supervisor gives up. */
export const RESTART_COUNT_MAX = 10;
export const RESTART_WINDOW_MS = 120_000;

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export type RestartDecision = { kind: "restart"; delayMs: number } | { kind: "stop"; why: string };

export class RestartPolicy {
  private readonly restartsAtMs: number[] = [];
  private delayMs = RESTART_DELAY_MS_MIN;

  /** What to do about a child that ended; `stopping` when the supervisor itself was told to stop. */
  decide(exit: ChildExit, nowMs: number, stopping: boolean): RestartDecision {
    if (stopping) return { kind: "stop", why: "stopped on request" };
    if (exit.signal === null && exit.code === 0)
      return { kind: "stop", why: "exited 0 (stopped on purpose)" };
    while (this.restartsAtMs.length > 0 && nowMs - (this.restartsAtMs[0] ?? 0) > RESTART_WINDOW_MS)
      this.restartsAtMs.shift();
    if (this.restartsAtMs.length >= RESTART_COUNT_MAX)
      return {
        kind: "stop",
        why: `${RESTART_COUNT_MAX} restarts within ${RESTART_WINDOW_MS / 1000} s: giving up`,
      };
    this.restartsAtMs.push(nowMs);
    const delayMs = this.delayMs;
    this.delayMs = Math.min(RESTART_DELAY_MS_MAX, this.delayMs * 2);
    return { kind: "restart", delayMs };
  }

  /** The child has run well for a while: the next failure starts again from the shortest delay. */
  ranWell(): void {
    this.delayMs = RESTART_DELAY_MS_MIN;
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? "?"}`;
}
