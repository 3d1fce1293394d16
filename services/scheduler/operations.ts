import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import { isNothingChanged, NothingChangedError, ToolstackError } from "../dom0/errors.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { MigrateRequest, type MigrateEvent } from "../gen/xensim/v1/migration.js";
import { compareHostIds, place } from "./placement/index.js";
import type { PlacementRequest } from "./placement/model.js";
import { groupMembership, hostState, parseConfig, placementRequest } from "./placement-adapter.js";
import type { PlacementClaim } from "./claims.js";
import { uuidFromPrng } from "../dom0/uuid.js";
import { locateDomain } from "./locate.js";
import { haMigrationRefusal } from "../contracts/ha-record.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { withBrokerNote } from "./broker-outage.js";

export interface PlacedDomain {
  host: HostEntry;
  domain: DomainInfo;
}

/** Chooses a host for `request` among the hosts that are up, or throws naming why each was refused. */
export function choose(scheduler: Scheduler, request: PlacementRequest, policy = "spread"): HostEntry {
  // Only hosts that answered their List: one only heard of in a heartbeat is not a candidate.
  const hosts = [...scheduler.view.hosts.values()]
    .filter((h) => h.synced)
    .sort((a, b) => compareHostIds(a.hostId, b.hostId));
  const states = hosts.map((h) => hostState(h, !scheduler.disabledHosts.has(h.hostId)));
  let choice;
  try {
    choice = place(
      states,
      request,
      policy,
      { hostIdsByGroup: groupMembership(scheduler.view.upHosts()) },
      scheduler.options.prng,
    );
  } catch (error) {
    throw withBrokerNote(scheduler, error);
  }
  return scheduler.requireHost(choice.hostId);
}

/** As choose(), and counts the domain against the chosen host until its heartbeats show it. */
export function chooseAndClaim(
  scheduler: Scheduler,
  request: PlacementRequest,
  policy = "spread",
  uuid?: string,
): { host: HostEntry; claim: PlacementClaim } {
  const host = choose(scheduler, request, policy);
  return { host, claim: scheduler.view.claim(host.hostId, request.memoryKib, request.vcpus, uuid) };
}

/** `xsim create cfg` without -H: validate here, place, create on the chosen host. */
export async function placeAndCreate(
  scheduler: Scheduler,
  request: {
    configText: string;
    configFileName: string;
    overrides: string[];
    paused: boolean;
    policy: string;
  },
  dryRun: boolean,
): Promise<PlacedDomain | { host: HostEntry; domain: undefined }> {
  const config = loadDomainConfig(
    request.configText,
    request.configFileName || "<config>",
    request.overrides,
    scheduler.options.prng,
  );
  const policy = request.policy || "spread";
  if (dryRun) return { host: choose(scheduler, placementRequest(config), policy), domain: undefined };
  // The scheduler names the uuid, so the host's "created" event settles the claim exactly.
  const uuid = config.uuid ?? uuidFromPrng(scheduler.uuidPrng);
  const { host, claim } = chooseAndClaim(scheduler, placementRequest(config), policy, uuid);
  const overrides = config.uuid ? request.overrides : [...request.overrides, `uuid="${uuid}"`];
  const domain = await scheduler.options.gateway
    .create(host.address, { ...request, overrides })
    .catch((error: unknown) => {
      claim.release();
      throw error;
    });
  claim.settle();
  await scheduler.syncHost(host);
  return { host, domain };
}

export interface ClusterMigrateOptions {
  domain: string;
  destinationHostId: string;
  policy: string;
  live: boolean;
  bandwidth: string;
  /** qemu policy: downtime limit (0 or absent: the policy's default). */
  downtimeLimitMs?: number;
  autoConverge?: boolean;
  pausedAtDestination?: boolean;
  /** The host the domain must be on (evacuation): a domain that moved meanwhile is refused. */
  sourceHostId?: string;
  /**
   * No "migrate ..." line in the log: the evacuation's attempts while it waits for a busy source
   * (an earlier scheduler's migration) log the wait once, not each attempt (evacuate.ts).
   */
  quiet?: boolean;
}

/**
 * `xsim migrate dom [host]`: the scheduler picks the destination, or checks the one given. `dom`
 * is a name or a uuid; an ambiguous name is refused. A source already sending its limit queues the
 * migration (MigrationSlots); the guest is looked up again, by uuid on its host, once it may go.
 */
export async function clusterMigrate(
  scheduler: Scheduler,
  options: ClusterMigrateOptions,
  onEvent: (event: MigrateEvent) => void,
): Promise<MigrateEvent> {
  let first;
  try {
    first = locateDomain(scheduler.view, options.domain, options.sourceHostId);
  } catch (error) {
    throw withBrokerNote(scheduler, error);
  }
  const release = await scheduler.migrationSlots.acquire(first.host.hostId);
  try {
    await scheduler.syncHost(first.host);
    const found = locateDomain(scheduler.view, first.domain.uuid, first.host.hostId);
    return await migrateLocated(scheduler, found, options, onEvent);
  } finally {
    release();
  }
}

async function migrateLocated(
  scheduler: Scheduler,
  found: PlacedDomain,
  options: ClusterMigrateOptions,
  onEvent: (event: MigrateEvent) => void,
): Promise<MigrateEvent> {
  const config = parseConfig(found.domain.configJson);
  if (!config)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `the configuration of ${options.domain} is not known yet; try again`,
    );
  const request = placementRequest(config, {
    excludeHostIds: [found.host.hostId],
    countsAsMigration: true,
    ...(options.destinationHostId ? { pinnedHostId: options.destinationHostId } : {}),
  });
  if (options.destinationHostId === found.host.hostId)
    throw new ToolstackError("INVALID_ARGUMENT", `${options.domain} already runs on ${found.host.hostId}`);
  const { host: destination, claim } = chooseAndClaim(scheduler, request, "spread", found.domain.uuid);
  const running = `${found.domain.uuid}@${found.host.hostId}`;
  if (scheduler.migrationsRunning.has(running)) {
    claim.release();
    // The source's own refusal, said before this one's trace would replace the running one's.
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${found.domain.name} is already being migrated`);
  }
  scheduler.migrationsRunning.add(running);
  try {
    return await migrateTraced(scheduler, found, destination, claim, options, onEvent);
  } finally {
    scheduler.migrationsRunning.delete(running);
  }
}

async function migrateTraced(
  scheduler: Scheduler,
  found: PlacedDomain,
  destination: HostEntry,
  claim: PlacementClaim,
  options: ClusterMigrateOptions,
  onEvent: (event: MigrateEvent) => void,
): Promise<MigrateEvent> {
  const other = await beginHaMigration(scheduler, found, destination.hostId).catch((error: unknown) => {
    claim.release();
    throw error;
  });
  if (other !== undefined)
    scheduler.log(
      `HA record of ${found.domain.name} names a migration to ${other}: left as it is, ${found.host.hostId} refuses while that one runs`,
    );
  if (!options.quiet)
    scheduler.log(
      `migrate ${found.domain.name} (${found.domain.uuid}): ${found.host.hostId} -> ${destination.hostId}`,
    );
  const migrating = scheduler.options.gateway.migrate(
    found.host.address,
    MigrateRequest.fromPartial({
      domain: found.domain.uuid,
      destination: destination.address,
      policy: options.policy || "xen",
      live: options.live,
      bandwidth: options.bandwidth,
      downtimeLimitMs: options.downtimeLimitMs ?? 0,
      autoConverge: options.autoConverge ?? false,
      // -p, or the guest is paused: the cluster keeps its power state, as XAPI does.
      pausedAtDestination: (options.pausedAtDestination ?? false) || isPaused(found.domain),
      // And paused if the source finds it paused when it starts (a pause after the last List).
      keepPaused: true,
    }),
    // Once the stream runs, the destination has reserved the memory and reports it.
    (event) => {
      claim.settle();
      onEvent(event);
    },
  );
  const last = await migrating.catch(async (error: unknown) => {
    claim.release();
    // Provably not migrated (the source's or the destination's refusal): the record names its host alone again.
    if (isNothingChanged(error)) await endHaMigration(scheduler, found.domain.uuid, destination.hostId);
    throw error;
  });
  if (last.stats?.status !== "completed") {
    claim.release();
    if (last.stats?.status !== "unknown")
      await endHaMigration(scheduler, found.domain.uuid, destination.hostId);
    return last;
  }
  claim.settle();
  // The guest moved: told so even if the record cannot follow now (it names both hosts until the
  // reconcile or the next read of the destination moves it).
  await scheduler.ha
    .moved(found.domain.uuid, destination.hostId, 0, destination.leaseEpoch, undefined, found.host.hostId)
    .catch((error: unknown) =>
      scheduler.log(`HA record of ${found.domain.name} not moved yet: ${describe(error)}`),
    );
  await Promise.all([scheduler.syncHost(found.host), scheduler.syncHost(destination)]);
  return last;
}

/**
 * A protected guest's record names the destination before the migration starts (docs/specs/ha.md
 * §5): refused, nothing changed, when the store is unreachable, as XAPI's VM.pool_migrate needs the
 * pool database. Returns the destination of another migration the record names (left as it is).
 */
async function beginHaMigration(
  scheduler: Scheduler,
  found: PlacedDomain,
  destinationHostId: string,
): Promise<string | undefined> {
  try {
    const destinationEpoch = scheduler.view.hosts.get(destinationHostId)?.leaseEpoch;
    return await scheduler.ha.beginMigration(
      found.domain,
      found.host.hostId,
      destinationHostId,
      destinationEpoch,
      found.host.leaseEpoch,
    );
  } catch (error) {
    const unknown = error instanceof StoreUnavailableError && error.writeOutcomeUnknown;
    const Refusal = unknown ? ToolstackError : NothingChangedError;
    throw new Refusal("UNAVAILABLE", haMigrationRefusal(found.domain.name, describe(error), unknown));
  }
}

async function endHaMigration(scheduler: Scheduler, uuid: string, destinationHostId: string): Promise<void> {
  await scheduler.ha
    .endMigration(uuid, destinationHostId)
    .catch((error: unknown) => scheduler.log(`HA record of ${uuid}: ${describe(error)}`));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `xl list`'s state letters (r b p s c d) say paused. */
function isPaused(domain: DomainInfo): boolean {
  return domain.state.charAt(2) === "p";
}
