import { cpuAllocationRatioOf, type PlacementContext, type PlacementRequest } from "./model.js";

/**
 * A request with what every filter looks up resolved once, so filtering a host costs no lookups.
 * It copies the request and the group sets it reads, so a refusal explained later reads them as
 * they were.
 */
export interface PreparedRequest {
  readonly request: PlacementRequest;
  readonly cpuAllocationRatio: number;
  readonly excludedHostIds: ReadonlySet<string> | undefined;
  /** Where the affinity group runs, when it runs anywhere. */
  readonly affinityHostIds: ReadonlySet<string> | undefined;
  /** Where the anti-affinity group runs, when it runs anywhere. */
  readonly antiAffinityHostIds: ReadonlySet<string> | undefined;
}

export function prepareRequest(request: PlacementRequest, ctx: PlacementContext): PreparedRequest {
  const groupHostIds = (group: string | undefined): ReadonlySet<string> | undefined => {
    const hostIds = group === undefined ? undefined : ctx.hostIdsByGroup.get(group);
    return hostIds && hostIds.size > 0 ? new Set(hostIds) : undefined;
  };
  return {
    request: { ...request },
    cpuAllocationRatio: cpuAllocationRatioOf(ctx),
    excludedHostIds: request.excludeHostIds?.length ? new Set(request.excludeHostIds) : undefined,
    affinityHostIds: groupHostIds(request.affinityGroup),
    antiAffinityHostIds: groupHostIds(request.antiAffinityGroup),
  };
}
