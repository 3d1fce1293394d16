import type { HostState, PlacementRequest } from "./model.js";

/** The host's state once `request`'s domain runs on it, before its next heartbeat says so. */
export function withPlacement(host: HostState, request: PlacementRequest): HostState {
  if (host.memoryFreeKib < request.memoryKib)
    throw new Error(
      `withPlacement: ${request.name} needs ${request.memoryKib} KiB, ${host.hostId} has ${host.memoryFreeKib}`,
    );
  return {
    ...host,
    memoryFreeKib: host.memoryFreeKib - request.memoryKib,
    vcpusAllocated: host.vcpusAllocated + request.vcpus,
    domainCount: host.domainCount + 1,
  };
}

/** Records that `request`'s (anti-)affinity groups now run on `hostId`. */
export function recordMembership(
  hostIdsByGroup: Map<string, Set<string>>,
  request: PlacementRequest,
  hostId: string,
): void {
  for (const group of [request.affinityGroup, request.antiAffinityGroup]) {
    if (group === undefined) continue;
    let hostIds = hostIdsByGroup.get(group);
    if (!hostIds) hostIdsByGroup.set(group, (hostIds = new Set()));
    hostIds.add(hostId);
  }
}
