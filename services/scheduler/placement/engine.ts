import type { Prng } from "../../core/prng.js";
import { indexedDirection, validateHost } from "./engine-rules.js";
import { buildHostIndex, reindexHost, type HostIndex, type IndexTuning } from "./host-index.js";
import { compareHostIds } from "./host-order.js";
import { extremeFreeMemory, firstFit } from "./index-search.js";
import {
  DEFAULT_CPU_ALLOCATION_RATIO,
  type GroupMembership,
  type HostState,
  type Placement,
  type PlacementRequest,
} from "./model.js";
import { chooseAmong, survivors } from "./pipeline.js";
import { resolvePolicy, type PlacementPolicy } from "./policies.js";
import { prepareRequest, type PreparedRequest } from "./prepared.js";
import { refuse } from "./refusal.js";
import { remainingFilters } from "./remaining-filters.js";
import { validateRequest } from "./validate.js";

export interface PlacementEngineOptions {
  cpuAllocationRatio?: number;
  tuning?: IndexTuning;
}

/**
 * The placement pipeline over a standing cluster view, indexed so that spread, pack and first-fit
 * cost O(log n) plus the hosts skipped, instead of filtering every host. It makes exactly the
 * choice `place()` makes over the same hosts, in host-id order, with the same PRNG
 * (property-tested), and refuses with the same message. Keep it current with upsertHost.
 */
export class PlacementEngine {
  readonly cpuAllocationRatio: number;
  private readonly tuning: IndexTuning;
  private index: HostIndex;
  private rankById = new Map<string, number>();

  constructor(hosts: readonly HostState[], options: PlacementEngineOptions = {}) {
    this.cpuAllocationRatio = options.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO;
    this.tuning = options.tuning ?? {};
    if (!(this.cpuAllocationRatio > 0)) throw new Error(`PlacementEngine: ratio ${this.cpuAllocationRatio}`);
    this.index = this.rebuild(hosts);
  }

  /** Every host in host-id order: O(n). */
  hosts(): readonly Readonly<HostState>[] {
    return this.index.hosts.toArray();
  }

  host(hostId: string): Readonly<HostState> | undefined {
    const rank = this.rankById.get(hostId);
    return rank === undefined ? undefined : this.index.hosts.get(rank);
  }

  /** A host's new state: O(log n) for a known host; a new host rebuilds the index, O(n log n). */
  upsertHost(host: HostState): void {
    validateHost(host);
    const rank = this.rankById.get(host.hostId);
    if (rank === undefined) this.index = this.rebuild([...this.index.hosts.toArray(), host]);
    else reindexHost(this.index, rank, { ...host });
  }

  removeHost(hostId: string): void {
    if (!this.rankById.has(hostId)) throw new Error(`PlacementEngine: no host ${hostId}`);
    this.index = this.rebuild(this.index.hosts.toArray().filter((host) => host.hostId !== hostId));
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
    const ctx = { hostIdsByGroup: groups.hostIdsByGroup, cpuAllocationRatio: this.cpuAllocationRatio };
    const prepared = prepareRequest(request, ctx);
    const chosen = this.choose(prepared, resolved, prng);
    if (chosen) return { hostId: chosen.hostId };
    // Explained when read; explaining filters every host again and throws a plain Error if one
    // passes, which would mean the index missed it.
    throw refuse(this.index.hosts.snapshot(), prepared);
  }

  private choose(prepared: PreparedRequest, policy: PlacementPolicy, prng: Prng): HostState | undefined {
    const few = this.onlyPossibleHosts(prepared);
    if (few) return this.choosePlain(few, prepared, policy, prng);
    const passes = remainingFilters(prepared);
    if (policy.kind === "first-fit") return firstFit(this.index, prepared.request, passes);
    const direction = indexedDirection(policy);
    if (direction !== 0) {
      const failingRanks = this.ranksOf(prepared.excludedHostIds, prepared.antiAffinityHostIds);
      return extremeFreeMemory(this.index, prepared.request, passes, failingRanks, direction, prng);
    }
    // A weigher set the index cannot order (several weighers, or none): the plain pipeline, O(n).
    return this.choosePlain(this.index.hosts.toArray(), prepared, policy, prng);
  }

  /** A pinned host, or a group to join that already runs somewhere, leaves only a handful of hosts. */
  private onlyPossibleHosts({ request, affinityHostIds }: PreparedRequest): HostState[] | undefined {
    const hostIds = request.pinnedHostId !== undefined ? [request.pinnedHostId] : affinityHostIds;
    if (!hostIds) return undefined;
    return [...hostIds].flatMap((hostId) => this.host(hostId) ?? []);
  }

  private ranksOf(...hostIdSets: (ReadonlySet<string> | undefined)[]): Set<number> {
    const ranks = new Set<number>();
    for (const hostIds of hostIdSets) {
      for (const hostId of hostIds ?? []) {
        const rank = this.rankById.get(hostId);
        if (rank !== undefined) ranks.add(rank);
      }
    }
    return ranks;
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

  private rebuild(unordered: readonly HostState[]): HostIndex {
    const hosts = unordered.map((host) => (validateHost(host), { ...host }));
    hosts.sort((a, b) => compareHostIds(a.hostId, b.hostId));
    const rankById = new Map(hosts.map((host, rank) => [host.hostId, rank]));
    if (rankById.size !== hosts.length) throw new Error("PlacementEngine: duplicate host ids");
    this.rankById = rankById;
    return buildHostIndex(hosts, this.cpuAllocationRatio, this.tuning);
  }
}
