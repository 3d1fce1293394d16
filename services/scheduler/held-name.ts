import type { Scheduler } from "./scheduler.js";
import { parseNameHeld } from "../dom0/cluster-names.js";
import { RECONCILE_INTERVAL_MS } from "./reconcile.js";

/**
 * What a user is told besides a host's "a domain named NAME already exists in the cluster (uuid U
 * on H)" when no up host runs U, so that the refusal does not name a guest `xsim list` cannot show:
 * - H is down (or unknown): the guest may still run there; `host-declare-dead` frees the names of a
 *   host gone for good (docs/specs/ha.md §7);
 * - H is up and listed under another lease epoch than U's HA record: the guest was lost when H
 *   restarted or fenced, and as a protected guest it keeps its name for its HA restart, HA on or
 *   off (ha.md §4 rule 1): `ha-enable` restarts it, `destroy` then ends it; or `vm-reset-powerstate
 *   --force` marks it halted and frees its name (ha.md §8).
 * - H is up and listed, runs no such guest, and it has no HA record: the reconcile frees the name.
 * Undefined otherwise (the guest runs, or nothing is known of why it holds the name). Called only
 * on a refusal, from the gRPC service (not in `xsim sim`: its store read would move the draws).
 */
export async function heldNameNote(scheduler: Scheduler, refusal: string): Promise<string | undefined> {
  const held = parseNameHeld(refusal);
  if (!held) return undefined;
  const { name, holder } = held;
  const runs = scheduler.view.upHosts().some((h) => h.synced && h.domains.has(holder.uuid));
  if (runs) return undefined;
  const host = scheduler.view.hosts.get(holder.hostId);
  if (!host || host.liveness === "down")
    return (
      `${holder.hostId} is down, and ${name} may still run there; if ${holder.hostId} is gone for good, ` +
      `xsim host-declare-dead ${holder.hostId} halts its guests and frees their names`
    );
  if (!host.synced) return undefined;
  const record = await scheduler.ha.get(holder.uuid);
  if (!record)
    return (
      `${holder.hostId} runs no such guest now (lost when ${holder.hostId} restarted?): the scheduler frees ` +
      `the name within ${RECONCILE_INTERVAL_MS / 1000} s; try again then`
    );
  if (record.hostEpoch === undefined || record.hostEpoch === host.leaseEpoch) return undefined;
  return (
    `${holder.hostId} runs no such guest: the HA-protected ${name} was lost when ${holder.hostId} ` +
    `restarted or fenced, and keeps its name for its HA restart while HA is off: ` +
    `xsim ha-enable restarts it, then xsim destroy ${name} ends it if it is not wanted; or ` +
    `xsim vm-reset-powerstate ${name} --force marks it halted and frees the name`
  );
}
