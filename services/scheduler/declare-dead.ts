import type { HaMonitor } from "./ha-monitor.js";
import type { Scheduler } from "./scheduler.js";
import type { Statefile, StatefileEntry } from "../contracts/statefile.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";
import {
  HA_CONFIG_KEY,
  LEASE_KEY_PREFIX,
  leaseKey,
  parseHaConfig,
  parseLease,
  type HaConfig,
  type LeaseValue,
} from "../contracts/lease.js";
import { freeDeclaredGuests, type FreedGuests } from "./declare-dead-guests.js";
import { CutShortError, isCutShort, stepReason, subjectsOf, type StepDone } from "./steps-done.js";

/** What `xsim host-declare-dead` did (proto HaDeclareDeadReply). */
export interface DeclaredDead {
  hostId: string;
  leaseEpoch: string;
  halted: string[];
  restarting: string[];
  elsewhere: string[];
  alreadyDead: boolean;
}

/** The host's lease as read now, with its revision (the revocation is a compare-and-set at it). */
interface LeaseRead {
  lease: LeaseValue;
  revision: number;
}

/**
 * `xsim host-declare-dead HOST`, XAPI's `Host.declare_dead` (docs/specs/ha.md §7): the administrator
 * says the host is off for good. Refused, nothing changed, while the cluster has evidence that it
 * is alive (XAPI's HOST_IS_LIVE): a heartbeat, a lease renewal the scheduler saw within T, an
 * answer to the scheduler's List, or a store it cannot read. Otherwise its lease is revoked with
 * compare-and-set at the revision read (`declaredDead`: a host that was alive after all destroys
 * every guest it runs, as soon as it reads it), then its guests are halted: names and HA records
 * freed; with HA on its protected guests are HA's to restart, once. Idempotent: a second call
 * finds the lease revoked so and nothing left to free, and writes nothing; a call cut short (the
 * scheduler crashed) is completed by the next one.
 */
export async function declareHostDead(
  monitor: HaMonitor,
  statefile: Statefile,
  hostId: string,
): Promise<DeclaredDead> {
  const scheduler = monitor.scheduler;
  scheduler.requireActive();
  refuseIfHeartbeating(scheduler, hostId);
  const { read, config } = await readLeaseAndSetting(statefile, scheduler, hostId);
  const alreadyDead = read.lease.state === "revoked" && read.lease.declaredDead === true;
  if (read.lease.state === "live") refuseIfRenewed(monitor, hostId, read, config);
  await refuseIfAnswering(scheduler, hostId, read.lease);
  if (!alreadyDead) await revoke(statefile, monitor, hostId, read);
  const freed: FreedGuests = { halted: [], restarting: [], elsewhere: [] };
  try {
    await freeDeclaredGuests(scheduler, hostId, config.enabled, freed);
  } catch (error) {
    throw cutShort(hostId, read.lease.epoch, freed, error);
  }
  // Its guests are halted, not lost: `xsim list` no longer names it among the hosts it cannot
  // reach. A heartbeat brings it back into the view (a host repaired and started again).
  if (scheduler.view.hosts.get(hostId)?.liveness === "down") scheduler.view.hosts.delete(hostId);
  scheduler.log(declaredLine(hostId, read.lease.epoch, alreadyDead, freed));
  // With HA on, the restart of its protected guests: HA's next round, begun now (ha-monitor.ts).
  if (config.enabled) void monitor.round();
  return { hostId, leaseEpoch: read.lease.epoch, alreadyDead, ...freed };
}

/**
 * Once the lease is revoked the host is declared dead, whatever comes next: a write that fails while
 * its guests are freed (the store unreachable) is no "nothing was changed" (the store's own words,
 * true of that one write). Says what stands and what was done, and how to finish: a second call
 * halts, or hands to HA, what is left (VOPR --seed 2022 --steps 300 --ha toggle --cancel: told
 * "nothing was changed", the user was owed restarts of two guests this call had halted). The steps
 * done travel typed too (steps-done.ts): the revocation, then each guest halted.
 */
export function cutShort(
  hostId: string,
  leaseEpoch: string,
  freed: FreedGuests,
  error: unknown,
): CutShortError {
  const why = stepReason(error instanceof Error ? error.message : String(error));
  const halted = [...freed.halted].sort();
  const done = [
    `halted so far: ${halted.join(", ") || "none"}`,
    ...(freed.restarting.length > 0 ? [`HA restarts ${[...freed.restarting].sort().join(", ")}`] : []),
  ].join("; ");
  const steps: StepDone[] = [
    { action: REVOKED, subject: hostId, epoch: leaseEpoch },
    ...halted.map((name) => ({ action: HALTED, subject: name })),
  ];
  return new CutShortError(
    "UNAVAILABLE",
    `${hostId} is declared dead (its HA lease, epoch ${leaseEpoch}, is revoked), but freeing its guests was cut short (${why}); ${done}; run host-declare-dead ${hostId} again to finish`,
    steps,
  );
}

/** cutShort's steps: the lease revoked as declared dead, and a guest halted. */
const REVOKED = "revoked the HA lease of";
const HALTED = "halted";

/**
 * What a host-declare-dead cut short had done (cutShort's steps, read from the error, not its
 * words): the lease epoch declared dead and the guests halted so far; undefined for any other error.
 */
export function declaredSoFar(error: unknown): { leaseEpoch: string; halted: string[] } | undefined {
  if (!isCutShort(error)) return undefined;
  const revoked = error.done.find((step) => step.action === REVOKED);
  if (revoked?.epoch === undefined) return undefined;
  return { leaseEpoch: revoked.epoch, halted: subjectsOf(error.done, HALTED) };
}

function refusal(hostId: string, why: string, code: "FAILED_PRECONDITION" | "UNAVAILABLE" | "NOT_FOUND") {
  return new NothingChangedError(code, `cannot declare ${hostId} dead: ${why}; nothing was changed`);
}

/** A host the scheduler hears from is alive (XAPI: HOST_IS_LIVE). */
function refuseIfHeartbeating(scheduler: Scheduler, hostId: string): void {
  const host = scheduler.view.hosts.get(hostId);
  if (host?.liveness !== "up") return;
  const agoS = ((scheduler.clock.nowMs() - host.lastSeenMs) / 1000).toFixed(1);
  throw refusal(
    hostId,
    `it is alive: the scheduler had a heartbeat from it ${agoS} s ago`,
    "FAILED_PRECONDITION",
  );
}

/**
 * The host's lease and the HA setting, read now. A store that does not answer proves nothing
 * (the host may renew there): refused UNAVAILABLE. A host without a lease could not be fenced,
 * should it be alive: refused. A name neither in the view nor in a lease is no host.
 */
async function readLeaseAndSetting(
  statefile: Statefile,
  scheduler: Scheduler,
  hostId: string,
): Promise<{ read: LeaseRead; config: HaConfig }> {
  let entry: StatefileEntry | undefined;
  let config: HaConfig;
  try {
    entry = await statefile.read(leaseKey(hostId));
    config = parseHaConfig((await statefile.read(HA_CONFIG_KEY))?.value);
  } catch (error) {
    const why = `the scheduler cannot read its HA lease from the state store now (${String(error)}), try again`;
    throw refusal(hostId, why, "UNAVAILABLE");
  }
  const lease = entry && parseLease(entry.value);
  if (entry && lease) return { read: { lease, revision: entry.revision }, config };
  if (!scheduler.view.hosts.has(hostId)) {
    const known = await knownHostIds(statefile, scheduler);
    throw new ToolstackError("NOT_FOUND", `no host "${hostId}" (known: ${known.join(", ") || "none"})`);
  }
  const why = "it has no HA lease in the state store, so the cluster could not fence it should it be alive";
  throw refusal(hostId, why, "FAILED_PRECONDITION");
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
function refuseIfRenewed(monitor: HaMonitor, hostId: string, read: LeaseRead, config: HaConfig): void {
  const observed = monitor.observer.get(hostId);
  const timeoutS = config.timeoutMs / 1000;
  if (observed === undefined)
    throw refusal(
      hostId,
      "the scheduler has not observed its HA lease yet (it began observing the leases just now), try again",
      "UNAVAILABLE",
    );
  if (observed.revision !== read.revision)
    throw refusal(
      hostId,
      "it is alive: it renewed its HA lease since the scheduler last read it",
      "FAILED_PRECONDITION",
    );
  const unchangedMs = monitor.scheduler.clock.nowMs() - observed.sinceMs;
  if (unchangedMs >= config.timeoutMs) return;
  const unchangedS = (unchangedMs / 1000).toFixed(1);
  const seen = observed.confirmed
    ? `the scheduler saw it renew its HA lease ${unchangedS} s ago`
    : `the scheduler has observed its HA lease unchanged for only ${unchangedS} s`;
  throw refusal(
    hostId,
    `it may be alive: ${seen}, less than T = ${timeoutS} s (try again in ${(timeoutS - unchangedMs / 1000).toFixed(1)} s)`,
    "FAILED_PRECONDITION",
  );
}

/** A host that answers the scheduler's List is alive (it may be cut from the broker only). */
async function refuseIfAnswering(scheduler: Scheduler, hostId: string, lease: LeaseValue): Promise<void> {
  const address = scheduler.view.hosts.get(hostId)?.address ?? lease.address;
  if (!address) return;
  const answer = await scheduler.options.gateway.list(address).then(
    (reply) => reply,
    () => undefined,
  );
  if (answer === undefined) return;
  const epoch = answer.leaseEpoch ? ` under lease epoch ${answer.leaseEpoch}` : "";
  throw refusal(hostId, `it is alive: it answers the scheduler at ${address}${epoch}`, "FAILED_PRECONDITION");
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

function declaredLine(
  hostId: string,
  epoch: string,
  alreadyDead: boolean,
  freed: Omit<DeclaredDead, "hostId" | "leaseEpoch" | "alreadyDead">,
): string {
  const parts = [
    alreadyDead
      ? `host ${hostId} was declared dead before (lease epoch ${epoch})`
      : `host ${hostId} declared dead (lease epoch ${epoch} revoked)`,
    `halted ${freed.halted.join(", ") || "none"}`,
  ];
  if (freed.restarting.length > 0) parts.push(`HA restarts ${freed.restarting.join(", ")}`);
  if (freed.elsewhere.length > 0)
    parts.push(`running elsewhere, left as they are: ${freed.elsewhere.join(", ")}`);
  return parts.join("; ");
}
