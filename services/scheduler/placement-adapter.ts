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

/** Where each placement group's domains run now, from the domains' configs. */
export function groupMembership(hosts: readonly HostEntry[]): Map<string, Set<string>> {
  const byGroup = new Map<string, Set<string>>();
  for (const host of hosts) {
    for (const domain of host.domains.values()) {
      const config = parseConfig(domain.configJson);
      for (const group of [config?.xsim.affinity, config?.xsim.antiAffinity]) {
        if (!group) continue;
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
