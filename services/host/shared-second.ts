/**
 * The seconds of idle hosts, run by one timer for all of them (issue 10: idle hosts cost nothing).
 *
 * A host's timer a second samples its CPU, looks for work and, at the default 1 s interval,
 * publishes its heartbeat. Once a second found nothing to do and its heartbeat showed the same as
 * the one before (only the sequence, the time and the process's real-memory figure moved), each
 * later second does nothing but publish that heartbeat again, until something changes. Such a host
 * may hand its seconds to a SharedSecond: the one-process cluster (services/sim/shared-second.ts)
 * then calls `repeatSecond` of every member at each instant of the 1 s grid, in the member's
 * process, with one timer for all of them instead of one per host. The heartbeats are still
 * published, one per host per second, each as the host's own timer would have.
 *
 * A member leaves when anything that its heartbeat shows, or that its second would act on, may
 * change: whatever wakes it (a domain's event or change, a CPU pool's change, a migration, a save or
 * a restore: Host.wake), HA coming on or its lease read revoked (LeaseKeeper's onGuarding: a fence
 * moves listVersion even when it destroys nothing), and any xenstore commit (the heartbeat's
 * listVersion counts them). Its own timer a second then runs again from the next
 * instant of the grid, or at once when the shared second of this instant is still to come. Nothing
 * is checked at each repeat (that would cost what sharing saves), unless `checksRepeats` (the VOPR
 * and the tests): then a repeat that differs from the heartbeat made afresh throws.
 *
 * A real host (host/main.ts) has no SharedSecond: the OS timer a second costs it nothing worth
 * saving.
 */
export interface SharedSecond {
  /**
   * Whether each repeat is checked against the heartbeat the host would make afresh (a check for
   * tests and the VOPR: a repeat that would be stale throws, naming the host).
   */
  readonly checksRepeats: boolean;
  /** From the next instant of the grid on, the member's seconds are `repeatSecond` calls. */
  join(member: SharedSecondMember): void;
  /**
   * The member's seconds are its own again. Returns whether the shared second of this instant is
   * still to come (the member left at an instant of the grid before it fired): the member's own
   * second is then due now, after what woke it, as its own timer's would have been.
   */
  leave(member: SharedSecondMember): boolean;
}

export interface SharedSecondMember {
  /**
   * The member's second at the instant `nowMs` of the grid, while its process runs: publishes its last
   * heartbeat again with the next sequence and this time. Returns false, having done nothing, if
   * the member has stopped.
   */
  repeatSecond(nowMs: number): boolean;
  /**
   * The member's second that fell due while its process was stalled, run when the stall ended (as
   * its own timer's would have been); the member has left.
   */
  secondAfterStall(): void;
}
