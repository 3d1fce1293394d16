import type { HaMonitor } from "./ha-monitor.js";
import type { Scheduler } from "./scheduler.js";
import type { Statefile } from "../contracts/statefile.js";
import type { HaRecord } from "../contracts/ha-record.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";
import { ClusterNames, type NameOwner } from "../dom0/cluster-names.js";
import {
  readLeaseAndSetting,
  refuseIfHeartbeating,
  refuseIfRenewed,
  type RefusalCode,
  type Refuse,
} from "./host-death-evidence.js";
import { CutShortError, stepReason } from "./steps-done.js";

/** What `xsim vm-reset-powerstate NAME --force` did (proto HaResetPowerStateReply). */
export interface PowerStateReset {
  name: string;
  uuid: string;
  /** The host the cluster's records had it on. */
  hostId: string;
  /** Why no copy of it runs there: its host is dead, or came back under another lease epoch. */
  lostBecause: string;
  /**
   * Halted: its HA record and its name freed. False only when its name was taken after its record
   * was dropped (an HA restart, HA switched on while the verb ran, or a restore): it starts there
   * (reported so, never told halted while it runs).
   */
  halted: boolean;
}

/** cutShort's step: the guest halted (its HA record dropped) before its name could be released. */
export const RESET_HALTED = "halted";

/**
 * `xsim vm-reset-powerstate NAME --force`, XAPI's `VM.power_state_reset` (docs/specs/ha.md §8):
 * the administrator says a guest is lost with its host, and the cluster's records forget it: its
 * HA record is dropped, then its name released (the same two compare-and-set writes, in the same
 * order, as host-declare-dead's halt of one guest). "Halted" in xensim's records is exactly that:
 * no `ha.<uuid>` (nothing restarts it) and no `name.<NAME>` (`xsim create` of it works again, on
 * any host). Nothing is asked of any host: should the guest in fact still run (its host cut off
 * for T, not dead) a create of its name makes a second guest of that name, which is why XAPI's xe
 * asks for --force. Refused, nothing changed, without --force, while the cluster has evidence
 * that its host may run it (host-death-evidence.ts; or the host answers and lists it, or answers
 * under the lease epoch the guest ran under; every other host its HA record names must run it not
 * either), and with HA on for a protected guest (HA restarts it).
 */
export async function resetPowerState(
  monitor: HaMonitor,
  statefile: Statefile,
  name: string,
  force: boolean,
): Promise<PowerStateReset> {
  const scheduler = monitor.scheduler;
  scheduler.requireActive();
  const refuse: Refuse = (why, code) => refusal(name, why, code);
  const { holder, record } = await readGuest(scheduler, name, refuse);
  const hostId = holder.hostId;
  if (!force) throw refuse(withoutForceWords(name, hostId), "FAILED_PRECONDITION");
  const running = scheduler.view.findGuest(holder.uuid);
  if (running !== undefined) {
    const on = `${running.host.hostId} (domid ${running.domain.domid})`;
    throw refuse(`it is not lost: the scheduler lists it on ${on}`, "FAILED_PRECONDITION");
  }
  const ranUnder = record?.hostId === hostId ? record.hostEpoch : undefined;
  const { haOn, lostBecause } = await hostEvidence(monitor, statefile, hostId, holder.uuid, refuse, {
    holdsName: true,
    ranUnder,
  });
  if (haOn && record !== undefined)
    throw refuse(
      "HA is on and it is protected: HA restarts it once its host's lease is revoked (ha-disable first to keep it down)",
      "FAILED_PRECONDITION",
    );
  // Hosts its HA record names besides (a migration's trace, a record behind its name): none may run it.
  for (const other of new Set([record?.hostId, record?.migratingTo]))
    if (other !== undefined && other !== hostId)
      await hostEvidence(monitor, statefile, other, holder.uuid, refuse, { holdsName: false });
  const halted = await forget(scheduler, name, holder, record, refuse);
  const what = halted
    ? "reset to halted: its HA record and name freed"
    : "not reset: its name was taken meanwhile (an HA restart or a restore starts it); its HA record is dropped";
  scheduler.log(`vm-reset-powerstate: ${name} (${holder.uuid}) ${what}; it ran on ${hostId}: ${lostBecause}`);
  return { name, uuid: holder.uuid, hostId, lostBecause, halted };
}

function refusal(name: string, why: string, code: RefusalCode | "NOT_FOUND") {
  return new NothingChangedError(
    code,
    `cannot reset the power state of ${name}: ${why}; nothing was changed`,
  );
}

/** XAPI's xe refuses vm-reset-powerstate without --force, and says why it is dangerous. */
function withoutForceWords(name: string, hostId: string): string {
  return (
    `vm-reset-powerstate needs --force: it marks ${name} halted in the cluster's records only (its HA ` +
    `record and name freed) without reaching ${hostId}; should ${name} in fact still run there (${hostId} ` +
    `cut off, not dead), a create of ${name} makes a second guest of that name`
  );
}

/** The guest's name (its holder: uuid, host) and HA record, read now; NOT_FOUND when the name is free. */
async function readGuest(
  scheduler: Scheduler,
  name: string,
  refuse: Refuse,
): Promise<{ holder: NameOwner; record: HaRecord | undefined }> {
  let held: Awaited<ReturnType<ClusterNames["holding"]>>;
  let record: HaRecord | undefined;
  try {
    held = await new ClusterNames(scheduler.options.store).holding(name);
    record = held && (await scheduler.ha.get(held.holder.uuid));
  } catch (error) {
    const why = `the scheduler cannot read its name and HA record from the state store now (${reasonOf(error)}), try again`;
    throw refuse(why, "UNAVAILABLE");
  }
  if (held === undefined)
    throw new NothingChangedError(
      "NOT_FOUND",
      `no guest "${name}" in the cluster's records: its name is free (never created, destroyed, or halted already); nothing to reset`,
    );
  return { holder: held.holder, record };
}

/**
 * Why no copy of the guest runs on `hostId`, or a refusal. A host that answers the scheduler's List
 * and lists it runs it. One that answers without it: for the host its name names (`holdsName`),
 * only under another lease epoch than the one the guest ran under (`ranUnder`, its HA record's:
 * killed or fenced, and back, that epoch's guests gone; under the same epoch, or with no record to
 * date it, it may still start or restore it); for another host its record names (a migration's
 * trace), it runs none (the source is dead or back without it: no migration of it is under way).
 * A host that does not answer must show no sign of life (host-death-evidence.ts: no heartbeat, its
 * lease unchanged for T or revoked).
 */
async function hostEvidence(
  monitor: HaMonitor,
  statefile: Statefile,
  hostId: string,
  uuid: string,
  refuse: Refuse,
  as: { holdsName: boolean; ranUnder?: string },
): Promise<{ haOn: boolean; lostBecause: string }> {
  const scheduler = monitor.scheduler;
  const hostRefuse: Refuse = (why, code) => refuse(`its host ${hostId} may still run it: ${why}`, code);
  const { read, config } = await readLeaseAndSetting(statefile, scheduler, hostId, hostRefuse);
  const haOn = config.enabled;
  const address = scheduler.view.hosts.get(hostId)?.address ?? read.lease.address;
  const answer =
    address === undefined
      ? undefined
      : await scheduler.options.gateway.list(address).then(
          (reply) => reply,
          () => undefined,
        );
  if (answer !== undefined) {
    const copy = answer.domains.find((domain) => domain.uuid === uuid);
    if (copy !== undefined)
      throw refuse(
        `it runs on ${hostId}: ${hostId} answers the scheduler and lists it as ${copy.name} (domid ${copy.domid})`,
        "FAILED_PRECONDITION",
      );
    if (!as.holdsName) return { haOn, lostBecause: `${hostId} answers without it` };
    const { ranUnder } = as;
    if (ranUnder !== undefined && answer.leaseEpoch !== "" && answer.leaseEpoch !== ranUnder)
      return {
        haOn,
        lostBecause: `${hostId} came back under lease epoch ${answer.leaseEpoch} without it (it ran under ${ranUnder})`,
      };
    const same = ranUnder === answer.leaseEpoch ? ", the one it ran under," : "";
    throw hostRefuse(
      `it is alive: it answers the scheduler at ${address} under lease epoch ${answer.leaseEpoch || "-"}${same} and may still start or run it`,
      "FAILED_PRECONDITION",
    );
  }
  refuseIfHeartbeating(scheduler, hostId, hostRefuse);
  if (read.lease.state === "live") refuseIfRenewed(monitor, hostId, read, config, hostRefuse);
  const lostBecause =
    read.lease.state === "revoked"
      ? `${hostId}'s HA lease (epoch ${read.lease.epoch}) is revoked and it does not answer`
      : `${hostId} is dead: no heartbeat, no answer, its HA lease (epoch ${read.lease.epoch}) unchanged for T`;
  return { haOn, lostBecause };
}

/**
 * Drops the HA record (compare-and-set, as it was read), then releases the name (compare-and-set,
 * from the holder read): the order of host-declare-dead's halt, so that no protected guest is left
 * with a free name and a record. Whether it was halted: false when its name was taken after its
 * record was dropped (an HA restart, HA switched on meanwhile, or a restore on its host: the guest
 * starts there, its record gone). A change before (its record moved) is refused, nothing changed.
 * A store that fails a write may have applied it: said so; one that fails after the record was
 * dropped says the guest is halted (cut short, typed) and that a second call releases its name.
 */
async function forget(
  scheduler: Scheduler,
  name: string,
  holder: NameOwner,
  record: HaRecord | undefined,
  refuse: Refuse,
): Promise<boolean> {
  const names = new ClusterNames(scheduler.options.store);
  let dropped = false;
  let released: boolean;
  try {
    dropped =
      record !== undefined && (await scheduler.ha.forgetIfOn(record.uuid, record.hostId, record.domid));
    if (record !== undefined && !dropped)
      throw refuse("its HA record changed meanwhile (moved or dropped), try again", "FAILED_PRECONDITION");
    released = await names.release(name, holder);
  } catch (error) {
    if (error instanceof NothingChangedError) throw error;
    if (dropped)
      throw new CutShortError(
        "UNAVAILABLE",
        `${name} is reset to halted (its HA record dropped: nothing restarts it), but releasing its name was cut short (${reasonOf(error)}); run vm-reset-powerstate ${name} --force again to finish`,
        [{ action: RESET_HALTED, subject: name }],
      );
    throw new ToolstackError(
      "UNAVAILABLE",
      `cannot reset the power state of ${name}: the state store did not answer (${reasonOf(error)}); its records may or may not be freed: run vm-reset-powerstate ${name} --force again`,
    );
  }
  if (!released && !dropped) throw refuse("its name changed meanwhile, try again", "FAILED_PRECONDITION");
  return released;
}

/** A store error's own words, without its "nothing was changed, try again" (said once, here). */
function reasonOf(error: unknown): string {
  return stepReason(error instanceof Error ? error.message : String(error));
}
