/** Run state of a domain as `xl list` prints it (tools/xl/xl_info.c list_domains). */

/** Shutdown reasons, xen/include/public/sched.h SHUTDOWN_*. */
export enum ShutdownReason {
  Poweroff = 0,
  Reboot = 1,
  Suspend = 2,
  Crash = 3,
  Watchdog = 4,
  SoftReset = 5,
}

/** The 5th letter of xl's state column, indexed by shutdown reason: `"-rscwS"`. */
const SHUTDOWN_REASON_LETTERS = "-rscwS";

export interface DomainRunState {
  running: boolean;
  blocked: boolean;
  paused: boolean;
  shutdown: boolean;
  shutdownReason: ShutdownReason | undefined;
  dying: boolean;
}

/** Six letters, always in the order r b p s <reason> d; "-" where a flag is clear. */
export function formatStateLetters(state: DomainRunState): string {
  const reason =
    state.shutdown && state.shutdownReason !== undefined
      ? (SHUTDOWN_REASON_LETTERS[state.shutdownReason] ?? "-")
      : "-";
  return (
    (state.running ? "r" : "-") +
    (state.blocked ? "b" : "-") +
    (state.paused ? "p" : "-") +
    (state.shutdown ? "s" : "-") +
    reason +
    (state.dying ? "d" : "-")
  );
}
