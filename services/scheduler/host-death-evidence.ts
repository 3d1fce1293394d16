import type { HaMonitor } from "./ha-monitor.js";
import type { Scheduler } from "./scheduler.js";
import type { Statefile, StatefileEntry } from "../contracts/statefile.js";
import { ToolstackError } from "../dom0/errors.js";
import {
  HA_CONFIG_KEY,
  LEASE_KEY_PREFIX,
  leaseKey,
  parseHaConfig,
  parseLease,
  type HaConfig,
  type LeaseValue,
} from "../contracts/lease.js";

/**
 * The cluster's evidence that a host is alive (docs/specs/ha.md §7): a heartbeat, a lease renewal
 * the scheduler saw within T, an answer to the scheduler's List, or a store it cannot read. Asked
 * by `host-declare-dead` (declare-dead.ts) and `vm-reset-powerstate` (reset-powerstate.ts), each
 * with its own words for the refusal (`refuse`: nothing was changed).
 */

export type RefusalCode = "FAILED_PRECONDITION" | "UNAVAILABLE" | "NOT_FOUND";
export type Refuse = (why: string, code: RefusalCode) => Error;

/** The host's lease as read now, with its revision (the revocation is a compare-and-set at it). */
export interface LeaseRead {
  lease: LeaseValue;
  revision: number;
}

/** A host the scheduler hears from is alive (XAPI: HOST_IS_LIVE). */
export function refuseIfHeartbeating(scheduler: Scheduler, hostId: string, refuse: Refuse): void {
  const host = scheduler.view.hosts.get(hostId);
  if (host?.liveness !== "up") return;
  const agoS = ((scheduler.clock.nowMs() - host.lastSeenMs) / 1000).toFixed(1);
  throw refuse(`it is alive: the scheduler had a heartbeat from it ${agoS} s ago`, "FAILED_PRECONDITION");
}

/**
 * The host's lease and the HA setting, read now. A store that does not answer proves nothing
 * (the host may renew there): refused UNAVAILABLE. A host without a lease could not be fenced,
 * should it be alive: refused. A name neither in the view nor in a lease is no host.
 */
export async function readLeaseAndSetting(
  statefile: Statefile,
  scheduler: Scheduler,
  hostId: string,
  refuse: Refuse,
): Promise<{ read: LeaseRead; config: HaConfig }> {
  let entry: StatefileEntry | undefined;
  let config: HaConfig;
  try {
    entry = await statefile.read(leaseKey(hostId));
    config = parseHaConfig((await statefile.read(HA_CONFIG_KEY))?.value);
  } catch (error) {
    const why = `the scheduler cannot read its HA lease from the state store now (${String(error)}), try again`;
    throw refuse(why, "UNAVAILABLE");
  }
  const lease = entry && parseLease(entry.value);
  if (entry && lease) return { read: { lease, revision: entry.revision }, config };
  if (!scheduler.view.hosts.has(hostId)) {
    const known = await knownHostIds(statefile, scheduler);
    throw new ToolstackError("NOT_FOUND", `no host "${hostId}" (known: ${known.join(", ") || "none"})`);
  }
  const why = "it has no HA lease in the state store, so the cluster could not fence it should it be alive";
  throw refuse(why, "FAILED_PRECONDITION");
}

async function knownHostIds(statefile: Statefile, scheduler: Scheduler): Promise<string[]> {
  const leases = await statefile.readAll(LEASE_KEY_PREFIX).catch(() => new Map<string, StatefileEntry>());
  // `lease.scheduler` (the leader lease) shares the prefix: only hosts' leases name a host.
  const leaseHostIds = [...leases.values()].flatMap((entry) => parseLease(entry.value)?.hostId ?? []);
  return [...new Set([...scheduler.view.hosts.keys(), ...leaseHostIds])].sort();
}

/**
 * A live lease is the host's only while the scheduler has observed it unchanged for T: a host
 * renews every 3 renew intervals (0.6 T) with HA off, every one with HA on, so a lease unchanged
 * that long was not renewed by a host that reaches the store (docs/specs/ha.md §7).
 */
export function refuseIfRenewed(
  monitor: HaMonitor,
  hostId: string,
  read: LeaseRead,
  config: HaConfig,
  refuse: Refuse,
): void {
  const observed = monitor.observer.get(hostId);
  const timeoutS = config.timeoutMs / 1000;
  if (observed === undefined)
    throw refuse(
      "the scheduler has not observed its HA lease yet (it began observing the leases just now), try again",
      "UNAVAILABLE",
    );
  if (observed.revision !== read.revision)
    throw refuse(
      "it is alive: it renewed its HA lease since the scheduler last read it",
      "FAILED_PRECONDITION",
    );
  const unchangedMs = monitor.scheduler.clock.nowMs() - observed.sinceMs;
  if (unchangedMs >= config.timeoutMs) return;
  const unchangedS = (unchangedMs / 1000).toFixed(1);
  const seen = observed.confirmed
    ? `the scheduler saw it renew its HA lease ${unchangedS} s ago`
    : `the scheduler has observed its HA lease unchanged for only ${unchangedS} s`;
  throw refuse(
    `it may be alive: ${seen}, less than T = ${timeoutS} s (try again in ${(timeoutS - unchangedMs / 1000).toFixed(1)} s)`,
    "FAILED_PRECONDITION",
  );
}

/** A host that answers the scheduler's List is alive (it may be cut from the broker only). */
export async function refuseIfAnswering(
  scheduler: Scheduler,
  hostId: string,
  lease: LeaseValue,
  refuse: Refuse,
): Promise<void> {
  const address = scheduler.view.hosts.get(hostId)?.address ?? lease.address;
  if (!address) return;
  const answer = await scheduler.options.gateway.list(address).then(
    (reply) => reply,
    () => undefined,
  );
  if (answer === undefined) return;
  const epoch = answer.leaseEpoch ? ` under lease epoch ${answer.leaseEpoch}` : "";
  throw refuse(`it is alive: it answers the scheduler at ${address}${epoch}`, "FAILED_PRECONDITION");
}
