import type { Prng } from "../../core/prng.js";
import { FirstFitTree } from "./first-fit-tree.js";
import { compareHostIds } from "./host-order.js";
import { extremeFreeMemory, firstFit, type HostIndex } from "./index-search.js";
import {
  DEFAULT_CPU_ALLOCATION_RATIO,
  type GroupMembership,
  type HostState,
  type Placement,
  type PlacementContext,
  type PlacementRequest,
} from "./model.js";
import { OrderedHosts } from "./ordered-hosts.js";
import { chooseAmong, survivors } from "./pipeline.js";
import { resolvePolicy, type PlacementPolicy } from "./policies.js";
import { prepareRequest, type PreparedRequest } from "./prepared.js";
import { refuse } from "./refusal.js";
import { remainingFilters } from "./remaining-filters.js";
import { validateRequest } from "./validate.js";
import { indexedDirection, validateHost } from "./engine-rules.js";

export interface PlacementEngineOptions {
  cpuAllocationRatio?: number;
}

/**
 * The placement pipeline over a standing cluster view, indexed so that spread, pack and first-fit
 * cost O(log n) plus the hosts skipped, instead of filtering every host. It makes exactly the
 * choice `place()` makes over the same hosts with the same PRNG (property-tested); refusals are
 * built by the plain pipeline, so they read the same too. Keep it current with upsertHost.
 */
export class PlacementEngine {
  readonly cpuAllocationRatio: number;
  private index: HostIndex = emptyIndex();
  private rankById = new Map<string, number>();

  constructor(hosts: readonly HostState[], options: PlacementEngineOptions = {}) {
    this.cpuAllocationRatio = options.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO;
    if (!(this.cpuAllocationRatio > 0))
      throw new Error(`PlacementEngine: cpuAllocationRatio ${this.cpuAllocationRatio}`);
    this.rebuild(hosts);
  }

  /** Every host in host-id order. */
  hosts(): readonly Readonly<HostState>[] {
    return this.index.hosts;
  }

  host(hostId: string): Readonly<HostState> | undefined {
    const rank = this.rankById.get(hostId);
    return rank === undefined ? undefined : this.index.hosts[rank];
  }

  /** A host's new state: O(log n) for a known host; a new host rebuilds the index. */
  upsertHost(host: HostState): void {
    validateHost(host);
    const rank = this.rankById.get(host.hostId);
    if (rank === undefined) return this.rebuild([...this.index.hosts, host]);
    const { all, hvm } = this.index;
    if (all.has(rank)) all.remove(rank);
    if (hvm.has(rank)) hvm.remove(rank);
    this.indexHost(rank, { ...host });
  }

  removeHost(hostId: string): void {
    if (!this.rankById.has(hostId)) throw new Error(`PlacementEngine: no host ${hostId}`);
    this.rebuild(this.index.hosts.filter((host) => host.hostId !== hostId));
  }

  /** As `place()`: the chosen host, or NoValidHostError naming the filter that removed each host. */
  place(
    request: PlacementRequest,
    policy: string | PlacementPolicy,
    groups: GroupMembership,
    prng: Prng,
  ): Placement {
    validateRequest(request);
    const resolved = resolvePolicy(policy);
    const ctx: PlacementContext = {
      hostIdsByGroup: groups.hostIdsByGroup,
      cpuAllocationRatio: this.cpuAllocationRatio,
    };
    const prepared = prepareRequest(request, ctx);
    const chosen = this.choose(prepared, resolved, prng);
    if (chosen) return { hostId: chosen.hostId };
    // HostStates are never changed in place, so a copy of the array is a snapshot. Explaining the
    // refusal filters every host again and throws a plain Error if one passes: the index missed it.
    throw refuse(this.index.hosts.slice(), prepared);
  }

  private choose(prepared: PreparedRequest, policy: PlacementPolicy, prng: Prng): HostState | undefined {
    const few = this.onlyPossibleHosts(prepared);
    if (few) return this.choosePlain(few, prepared, policy, prng);
    const passes = remainingFilters(prepared);
    if (policy.kind === "first-fit") return firstFit(this.index, prepared.request, passes);
    const direction = indexedDirection(policy);
    if (direction !== 0) return extremeFreeMemory(this.index, prepared.request, passes, direction, prng);
    // A weigher set the index cannot order (several weighers, or none): the plain pipeline, O(n).
    return this.choosePlain(this.index.hosts, prepared, policy, prng);
  }

  /** A pinned host, or a group to join that already runs somewhere, leaves only a handful of hosts. */
  private onlyPossibleHosts({ request, affinityHostIds }: PreparedRequest): HostState[] | undefined {
    const hostIds = request.pinnedHostId !== undefined ? [request.pinnedHostId] : affinityHostIds;
    if (!hostIds) return undefined;
    return [...hostIds].flatMap((hostId) => this.host(hostId) ?? []);
  }

  private choosePlain(
    hosts: readonly HostState[],
    prepared: PreparedRequest,
    policy: PlacementPolicy,
    prng: Prng,
  ): HostState | undefined {
    const passed = survivors(hosts, prepared);
    return passed.length > 0 ? chooseAmong(passed, policy, this.cpuAllocationRatio, prng) : undefined;
  }

  private rebuild(unordered: readonly HostState[]): void {
    const hosts = unordered.map((host) => (validateHost(host), { ...host }));
    hosts.sort((a, b) => compareHostIds(a.hostId, b.hostId));
    this.rankById = new Map(hosts.map((host, rank) => [host.hostId, rank]));
    if (this.rankById.size !== hosts.length) throw new Error("PlacementEngine: duplicate host ids");
    this.index = emptyIndex(hosts.length);
    hosts.forEach((host, rank) => this.indexHost(rank, host));
  }

  private indexHost(rank: number, host: HostState): void {
    const { hosts, all, hvm, tree } = this.index;
    hosts[rank] = host;
    const eligible = host.up && host.enabled;
    if (eligible) all.insert(rank, host.memoryFreeKib);
    if (eligible && host.hvmCapable) hvm.insert(rank, host.memoryFreeKib);
    tree.set(rank, {
      memoryFreeKib: eligible ? host.memoryFreeKib : -Infinity,
      memoryFreeKibHvm: eligible && host.hvmCapable ? host.memoryFreeKib : -Infinity,
      vcpuHeadroom: eligible ? this.cpuAllocationRatio * host.pcpuCount - host.vcpusAllocated : -Infinity,
    });
  }
}

function emptyIndex(rankCount = 0): HostIndex {
  return {
    hosts: new Array<HostState>(rankCount),
    all: new OrderedHosts(rankCount),
    hvm: new OrderedHosts(rankCount),
    tree: new FirstFitTree(rankCount),
  };
}
