/**
 * What a host does with its HA-protected guests, decided from its lease and its peers
 * (docs/specs/ha.md §4). Pure: the inputs are values, the time is the caller's.
 */
export type LeaseVerdict = "run" | "hold" | "fence";

export interface LeaseFacts {
  haEnabled: boolean;
  timeoutMs: number;
  /** How long it must have been outside the majority, awake, before it fences (isolationConfirmMs). */
  isolationConfirmMs: number;
  nowMs: number;
  /** When the last successful renewal was sent (or the lease created). */
  lastRenewOkMs: number;
  /** The statefile says our lease was revoked. */
  revoked: boolean;
  standing: "majority" | "tie" | "minority";
  /** Since when (our clock) we have been without a strict majority; undefined if we have one. */
  minoritySinceMs: number | undefined;
  /** Our protected guests are paused by a hold now. */
  holding: boolean;
  /**
   * A renewal written with compare-and-set at our revision succeeded since the hold began: the
   * lease was live then, so no revocation (nor any HA restart of our guests) can follow it.
   */
  renewedSinceHold: boolean;
}

export function decideLease(facts: LeaseFacts): LeaseVerdict {
  // Revoked: the cluster counted our protected guests lost (and may have restarted them), even if
  // HA was disabled since (§4 rule 1): fenced as the revocation decided.
  if (facts.revoked) return "fence";
  // HA off starts no hold; a hold begun with HA on ends only with a renewal, as with HA on.
  if (!facts.haEnabled) return facts.holding && !facts.renewedSinceHold ? "hold" : "run";
  const leaseStale = facts.nowMs - facts.lastRenewOkMs >= facts.timeoutMs;
  if (!leaseStale) return "run";
  // A tie with a stale lease is no better than a minority: the statefile breaks ties (§3).
  if (facts.standing === "majority") return facts.holding ? "hold" : "run";
  const minorityForMs = facts.nowMs - (facts.minoritySinceMs ?? facts.nowMs);
  return minorityForMs >= facts.isolationConfirmMs ? "fence" : "hold";
}

/** Whether to renew at all: a host outside the majority lets its lease lapse (§4 rule 2). */
export function mayRenew(standing: "majority" | "tie" | "minority"): boolean {
  return standing !== "minority";
}
