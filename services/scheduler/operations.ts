import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import { ToolstackError } from "../dom0/errors.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { MigrateRequest, type MigrateEvent } from "../gen/xensim/v1/migration.js";
import { compareHostIds, place } from "./placement/index.js";
import type { PlacementRequest } from "./placement/model.js";
import { groupMembership, hostState, parseConfig, placementRequest } from "./placement-adapter.js";
import type { PlacementClaim } from "./claims.js";

export interface PlacedDomain {
  host: HostEntry;
  domain: DomainInfo;
}

/** Chooses a host for `request` among the hosts that are up, or throws naming why each was refused. */
export function choose(scheduler: Scheduler, request: PlacementRequest, policy = "spread"): HostEntry {
  const hosts = [...scheduler.view.hosts.values()].sort((a, b) => compareHostIds(a.hostId, b.hostId));
  const states = hosts.map((h) => hostState(h, !scheduler.disabledHosts.has(h.hostId)));
  const choice = place(
    states,
    request,
    policy,
    { hostIdsByGroup: groupMembership(scheduler.view.upHosts()) },
    scheduler.options.prng,
  );
  return scheduler.requireHost(choice.hostId);
}

/** As choose(), and counts the domain against the chosen host until its heartbeats show it. */
export function chooseAndClaim(
  scheduler: Scheduler,
  request: PlacementRequest,
  policy = "spread",
): { host: HostEntry; claim: PlacementClaim } {
  const host = choose(scheduler, request, policy);
  return { host, claim: scheduler.view.claim(host.hostId, request.memoryKib, request.vcpus) };
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
  const { host, claim } = chooseAndClaim(scheduler, placementRequest(config), policy);
  const domain = await scheduler.options.gateway.create(host.address, request).catch((error: unknown) => {
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
}

/** `xsim migrate dom [host]`: the scheduler picks the destination, or checks the one given. */
export async function clusterMigrate(
  scheduler: Scheduler,
  options: ClusterMigrateOptions,
  onEvent: (event: MigrateEvent) => void,
): Promise<MigrateEvent> {
  const found = scheduler.view.findDomain(options.domain);
  if (!found)
    throw new ToolstackError("NOT_FOUND", `no domain "${options.domain}" runs on any host that is up`);
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
  const { host: destination, claim } = chooseAndClaim(scheduler, request);
  scheduler.log(`migrate ${options.domain}: ${found.host.hostId} -> ${destination.hostId}`);
  const migrating = scheduler.options.gateway.migrate(
    found.host.address,
    MigrateRequest.fromPartial({
      domain: found.domain.name,
      destination: destination.address,
      policy: options.policy || "xen",
      live: options.live,
      bandwidth: options.bandwidth,
      downtimeLimitMs: options.downtimeLimitMs ?? 0,
      autoConverge: options.autoConverge ?? false,
      // -p, or the guest is paused: the cluster keeps its power state, as XAPI does.
      pausedAtDestination: (options.pausedAtDestination ?? false) || isPaused(found.domain),
    }),
    // Once the stream runs, the destination has reserved the memory and reports it.
    (event) => {
      claim.settle();
      onEvent(event);
    },
  );
  const last = await migrating.catch((error: unknown) => {
    claim.release();
    throw error;
  });
  if (last.stats?.status !== "completed") {
    claim.release();
    return last;
  }
  claim.settle();
  await scheduler.ha.moved(found.domain.uuid, destination.hostId, 0);
  await Promise.all([scheduler.syncHost(found.host), scheduler.syncHost(destination)]);
  return last;
}

/** Whether `xl list`'s state letters (r b p s c d) say paused. */
function isPaused(domain: DomainInfo): boolean {
  return domain.state.charAt(2) === "p";
}
