import { MIB } from "../../core/units.js";
import type { GroupMembership, HostState, PlacementRequest } from "./model.js";

// Builders for the placement tests: an idle 8-pCPU host with 4 GiB free, a 1 GiB PV domain.

export const MIB_IN_KIB = MIB / 1024;
export const GIB_IN_KIB = 1024 * MIB_IN_KIB;

export function hostState(hostId: string, overrides: Partial<HostState> = {}): HostState {
  return {
    hostId,
    up: true,
    enabled: true,
    hvmCapable: true,
    pcpuCount: 8,
    memoryTotalKib: 8 * GIB_IN_KIB,
    memoryFreeKib: 4 * GIB_IN_KIB,
    vcpusAllocated: 0,
    domainCount: 0,
    migrationsInFlight: 0,
    migrationsMax: 2,
    ...overrides,
  };
}

export function placementRequest(name: string, overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return { name, memoryKib: GIB_IN_KIB, vcpus: 1, type: "pv", ...overrides };
}

export function groups(entries: Record<string, readonly string[]> = {}): GroupMembership {
  return { hostIdsByGroup: new Map(Object.entries(entries).map(([group, ids]) => [group, new Set(ids)])) };
}
