import type { Prng } from "../../core/prng.js";
import type { FirstFitTree } from "./first-fit-tree.js";
import type { HostState, PlacementRequest } from "./model.js";
import type { OrderedHosts } from "./ordered-hosts.js";
import { pickTied } from "./tie-break.js";

/** The engine's view: hosts by rank (host-id order) and the structures that order them. */
export interface HostIndex {
  readonly hosts: HostState[];
  /** Up and enabled hosts by free memory. */
  readonly all: OrderedHosts;
  /** The same, HVM-capable ones only. */
  readonly hvm: OrderedHosts;
  readonly tree: FirstFitTree;
}

export type Passes = (host: HostState) => boolean;

function hostAt(index: HostIndex, rank: number): HostState {
  const host = index.hosts[rank];
  if (!host) throw new Error(`HostIndex: no host at rank ${rank}`);
  return host;
}

/**
 * The host with the most (direction +1, spread) or least (-1, pack) free memory among those that
 * pass, ties in host-id order broken by the PRNG: the same choice as weighing with the free-memory
 * weigher alone, whose normalisation keeps the order of free memory. Hosts that fail the remaining
 * filters are skipped; the scan stops at the first host short of memory or past the tied run.
 */
export function extremeFreeMemory(
  index: HostIndex,
  request: PlacementRequest,
  passes: Passes,
  direction: 1 | -1,
  prng: Prng,
): HostState | undefined {
  const ordered = request.type === "hvm" ? index.hvm : index.all;
  const tiedRanks: number[] = [];
  let tiedKey = NaN;
  const visit = (rank: number, memoryFreeKib: number): boolean => {
    if (memoryFreeKib < request.memoryKib) return false;
    if (tiedRanks.length > 0 && memoryFreeKib !== tiedKey) return false;
    if (passes(hostAt(index, rank))) {
      tiedKey = memoryFreeKib;
      tiedRanks.push(rank);
    }
    return true;
  };
  if (direction > 0) ordered.scanDescending(visit);
  else ordered.scanAscendingFrom(request.memoryKib, visit);
  if (tiedRanks.length === 0) return undefined;
  // Equal keys sort by rank, so a descending scan lists them backwards.
  if (direction > 0) tiedRanks.reverse();
  return hostAt(index, pickTied(tiedRanks, prng));
}

/** The first host in host-id order that passes: the tree skips every run of hosts that cannot fit. */
export function firstFit(index: HostIndex, request: PlacementRequest, passes: Passes): HostState | undefined {
  const hvm = request.type === "hvm";
  for (let rankFrom = 0; rankFrom < index.hosts.length;) {
    const rank = index.tree.findFirst(rankFrom, request.memoryKib, hvm, request.vcpus);
    if (rank < 0) return undefined;
    const host = hostAt(index, rank);
    if (passes(host)) return host;
    rankFrom = rank + 1;
  }
  return undefined;
}
