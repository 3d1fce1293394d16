import type { HaMonitor } from "./ha-monitor.js";
import type { Statefile } from "../contracts/statefile.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";
import { leaseKey, type LeaseValue } from "../contracts/lease.js";
import { freeDeclaredGuests, type FreedGuests } from "./declare-dead-guests.js";
import {
  readLeaseAndSetting,
  refuseIfAnswering,
  refuseIfHeartbeating,
  refuseIfRenewed,
  type LeaseRead,
  type RefusalCode,
  type Refuse,
} from "./host-death-evidence.js";
import { CutShortError, isCutShort, stepReason, subjectsOf, type StepDone } from "./steps-done.js";

/** What `xsim host-declare-dead` did (proto HaDeclareDeadReply). */
export interface DeclaredDead {
  hostId: string;
  leaseEpoch: string;
  halted: string[];
  restarting: string[];
  elsewhere: string[];
  alreadyDead: boolean;
  /** Disabled, as XAPI's: it takes no guest until `xsim host-enable` (always true once answered). */
  disabled: boolean;
}

/**
 * `xsim host-declare-dead HOST`, XAPI's `Host.declare_dead` (docs/specs/ha.md §7): the administrator
 * says the host is off for good. Refused, nothing changed, while the cluster has evidence that it
 * is alive (XAPI's HOST_IS_LIVE): a heartbeat, a lease renewal the scheduler saw within T, an
 * answer to the scheduler's List, or a store it cannot read. Otherwise its lease is revoked with
 * compare-and-set at the revision read (`declaredDead`: a host that was alive after all destroys
 * every guest it runs, as soon as it reads it), then it is disabled, as XAPI's declare_dead
 * disables the host (it takes no guest until `xsim host-enable`, once repaired), then its guests
 * are halted: names and HA records freed; with HA on its protected guests are HA's to restart,
 * once. Idempotent: a second call finds the lease revoked so, the host disabled and nothing left
 * to free, and writes nothing; a call cut short (the scheduler crashed) is completed by the next one.
 */
export async function declareHostDead(
  monitor: HaMonitor,
  statefile: Statefile,
  hostId: string,
): Promise<DeclaredDead> {
  const scheduler = monitor.scheduler;
  scheduler.requireActive();
  const refuse: Refuse = (why, code) => refusal(hostId, why, code);
  refuseIfHeartbeating(scheduler, hostId, refuse);
  const { read, config } = await readLeaseAndSetting(statefile, scheduler, hostId, refuse);
  const alreadyDead = read.lease.state === "revoked" && read.lease.declaredDead === true;
  if (read.lease.state === "live") refuseIfRenewed(monitor, hostId, read, config, refuse);
  await refuseIfAnswering(scheduler, hostId, read.lease, refuse);
  if (!alreadyDead) await revoke(statefile, monitor, hostId, read);
  const freed: FreedGuests = { halted: [], restarting: [], elsewhere: [] };
  let disabled = false;
  try {
    // Before its guests are freed: a host back from the dead takes none of them, nor any other.
    if (!scheduler.disabledHosts.has(hostId)) await scheduler.setHostEnabled(hostId, false);
    disabled = true;
    await freeDeclaredGuests(scheduler, hostId, config.enabled, freed);
  } catch (error) {
    throw cutShort(hostId, read.lease.epoch, freed, error, disabled);
  }
  // Its guests are halted, not lost: `xsim list` no longer names it among the hosts it cannot
  // reach. A heartbeat brings it back into the view (a host repaired and started again).
  if (scheduler.view.hosts.get(hostId)?.liveness === "down") scheduler.view.hosts.delete(hostId);
  scheduler.log(declaredLine(hostId, read.lease.epoch, alreadyDead, freed));
  // With HA on, the restart of its protected guests: HA's next round, begun now (ha-monitor.ts).
  if (config.enabled) void monitor.round();
  return { hostId, leaseEpoch: read.lease.epoch, alreadyDead, disabled, ...freed };
}

/**
 * Once the lease is revoked the host is declared dead, whatever comes next: a write that fails while
 * its guests are freed (the store unreachable) is no "nothing was changed" (the store's own words,
 * true of that one write). Says what stands and what was done, and how to finish: a second call
 * halts, or hands to HA, what is left (VOPR --seed 2022 --steps 300 --ha toggle --cancel: told
 * "nothing was changed", the user was owed restarts of two guests this call had halted). The steps
 * done travel typed too (steps-done.ts): the revocation, the host disabled, then each guest halted.
 */
export function cutShort(
  hostId: string,
  leaseEpoch: string,
  freed: FreedGuests,
  error: unknown,
  disabled: boolean,
): CutShortError {
  const why = stepReason(error instanceof Error ? error.message : String(error));
  const halted = [...freed.halted].sort();
  const done = [
    `halted so far: ${halted.join(", ") || "none"}`,
    ...(freed.restarting.length > 0 ? [`HA restarts ${[...freed.restarting].sort().join(", ")}`] : []),
  ].join("; ");
  const steps: StepDone[] = [
    { action: REVOKED, subject: hostId, epoch: leaseEpoch },
    ...(disabled ? [{ action: DISABLED, subject: hostId }] : []),
    ...halted.map((name) => ({ action: HALTED, subject: name })),
  ];
  const state = disabled ? "is revoked) and disabled" : "is revoked)";
  const what = disabled ? "freeing its guests" : "disabling it";
  return new CutShortError(
    "UNAVAILABLE",
    `${hostId} is declared dead (its HA lease, epoch ${leaseEpoch}, ${state}, but ${what} was cut short (${why}); ${done}; run host-declare-dead ${hostId} again to finish`,
    steps,
  );
}

/** cutShort's steps: the lease revoked as declared dead, the host disabled, and a guest halted. */
const REVOKED = "revoked the HA lease of";
const DISABLED = "disabled";
const HALTED = "halted";

/**
 * What a host-declare-dead cut short had done (cutShort's steps, read from the error, not its
 * words): the lease epoch declared dead and the guests halted so far; undefined for any other error.
 */
export function declaredSoFar(
  error: unknown,
): { leaseEpoch: string; disabled: boolean; halted: string[] } | undefined {
  if (!isCutShort(error)) return undefined;
  const revoked = error.done.find((step) => step.action === REVOKED);
  if (revoked?.epoch === undefined) return undefined;
  const disabled = error.done.some((step) => step.action === DISABLED);
  return { leaseEpoch: revoked.epoch, disabled, halted: subjectsOf(error.done, HALTED) };
}

function refusal(hostId: string, why: string, code: RefusalCode) {
  return new NothingChangedError(code, `cannot declare ${hostId} dead: ${why}; nothing was changed`);
}

/**
 * Revokes the lease at the revision read, marked `declaredDead`; a renewal meanwhile wins (the
 * host is alive). A write the store did not answer may have been applied: said so, and a second
 * host-declare-dead completes it (the lease then reads revoked, or live and it is refused).
 */
async function revoke(
  statefile: Statefile,
  monitor: HaMonitor,
  hostId: string,
  read: LeaseRead,
): Promise<void> {
  const value: LeaseValue = {
    ...read.lease,
    state: "revoked",
    revokedBy: monitor.schedulerId,
    declaredDead: true,
  };
  let written: number | undefined;
  try {
    written = await statefile.update(leaseKey(hostId), JSON.stringify(value), read.revision);
  } catch (error) {
    throw new ToolstackError(
      "UNAVAILABLE",
      `cannot declare ${hostId} dead: the state store did not answer the revocation of its HA lease (${String(error)}); ` +
        "it may or may not be revoked: run host-declare-dead again",
    );
  }
  if (written === undefined)
    throw refusal(hostId, "it is alive: it renewed its HA lease meanwhile", "FAILED_PRECONDITION");
  monitor.scheduler.log(
    `declare-dead: revoked the HA lease of ${hostId} (epoch ${read.lease.epoch}): should it be alive, it destroys every guest it runs`,
  );
}

function declaredLine(hostId: string, epoch: string, alreadyDead: boolean, freed: FreedGuests): string {
  const parts = [
    alreadyDead
      ? `host ${hostId} was declared dead before (lease epoch ${epoch}), disabled`
      : `host ${hostId} declared dead (lease epoch ${epoch} revoked) and disabled`,
    `halted ${freed.halted.join(", ") || "none"}`,
  ];
  if (freed.restarting.length > 0) parts.push(`HA restarts ${freed.restarting.join(", ")}`);
  if (freed.elsewhere.length > 0)
    parts.push(`running elsewhere, left as they are: ${freed.elsewhere.join(", ")}`);
  parts.push(`run host-enable ${hostId} once it is repaired`);
  return parts.join("; ");
}
