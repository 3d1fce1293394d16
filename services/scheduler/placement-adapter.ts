import type { HostEntry } from "./cluster-view.js";
import type { HostState, PlacementRequest } from "./placement/model.js";
import type { DomainConfig } from "../dom0/xlcfg/domain-config.js";
import { OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT } from "../dom0/migrate/migration-manager.js";

/** A host as the placement engine sees it, from its last heartbeat and the scheduler's flags. */
export function hostState(entry: HostEntry, enabled: boolean): HostState {
  const beat = entry.heartbeat;
  return {
    hostId: entry.hostId,
    up: entry.liveness === "up",
    enabled,
    hvmCapable: beat.hvm,
    pcpuCount: beat.pcpus,
    memoryTotalKib: beat.totalMemoryKib,
    memoryFreeKib: beat.freeMemoryKib,
    vcpusAllocated: beat.vcpusAllocated,
    domainCount: Math.max(0, beat.domainCount - 1),
    migrationsInFlight: beat.migrationsOutbound + beat.migrationsInbound,
    migrationsMax: OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT,
    ...(beat.cpupools
      ? {
          cpupools: beat.cpupools.map((pool) => ({
            name: pool.name,
            pcpuCount: pool.pcpus,
            vcpusAllocated: pool.vcpusAllocated,
          })),
        }
      : {}),
  };
}

export function placementRequest(
  config: DomainConfig,
  extra: Partial<PlacementRequest> = {},
): PlacementRequest {
  return {
    name: config.name,
    memoryKib: config.memoryMib * 1024,
    vcpus: config.vcpus,
    type: config.type,
    ...(config.xsim.affinity ? { affinityGroup: config.xsim.affinity } : {}),
    ...(config.xsim.antiAffinity ? { antiAffinityGroup: config.xsim.antiAffinity } : {}),
    ...(config.pool ? { cpupool: config.pool } : {}),
    ...extra,
  };
}

/** Configs whose placement groups are remembered; past it the memory starts afresh. */
const GROUPS_BY_CONFIG_COUNT_MAX = 4096;
const NO_GROUPS: readonly string[] = [];
/** A domain config's JSON -> its placement groups: each placement reads every domain's config. */
const groupsByConfig = new Map<string, readonly string[]>();

/** The affinity and anti-affinity groups a domain's config names (parsed once per config text). */
function groupsOf(configJson: string): readonly string[] {
  let groups = groupsByConfig.get(configJson);
  if (groups === undefined) {
    const config = parseConfig(configJson);
    const named = [config?.xsim.affinity, config?.xsim.antiAffinity].filter((group) => !!group);
    groups = named.length === 0 ? NO_GROUPS : (named as string[]);
    if (groupsByConfig.size >= GROUPS_BY_CONFIG_COUNT_MAX) groupsByConfig.clear();
    groupsByConfig.set(configJson, groups);
  }
  return groups;
}

/** Where each placement group's domains run now, from the domains' configs. */
export function groupMembership(hosts: readonly HostEntry[]): Map<string, Set<string>> {
  const byGroup = new Map<string, Set<string>>();
  for (const host of hosts) {
    for (const domain of host.domains.values()) {
      for (const group of groupsOf(domain.configJson)) {
        const set = byGroup.get(group) ?? new Set<string>();
        set.add(host.hostId);
        byGroup.set(group, set);
      }
    }
  }
  return byGroup;
}

export function parseConfig(json: string): DomainConfig | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as DomainConfig;
  } catch {
    return undefined;
  }
}
