import { vcpuHeadroom } from "./filters.js";
import { FirstFitTree } from "./first-fit-tree.js";
import { HostTable } from "./host-table.js";
import type { HostState } from "./model.js";
import { OrderedHosts } from "./ordered-hosts.js";

/** The engine's view: hosts by rank (host-id order) and the structures that order them. */
export interface HostIndex {
  readonly cpuAllocationRatio: number;
  readonly hosts: HostTable;
  /** Up and enabled hosts by free memory. */
  readonly all: OrderedHosts;
  /** The same, HVM-capable ones only. */
  readonly hvm: OrderedHosts;
  readonly tree: FirstFitTree;
}

/** Sizes of the index's pieces; the defaults suit thousands of hosts, tests shrink them. */
export interface IndexTuning {
  bucketSizeMax?: number;
  chunkShift?: number;
}

export function buildHostIndex(
  hostsByRank: readonly HostState[],
  cpuAllocationRatio: number,
  tuning: IndexTuning = {},
): HostIndex {
  const rankCount = hostsByRank.length;
  const index: HostIndex = {
    cpuAllocationRatio,
    hosts: new HostTable(hostsByRank, tuning.chunkShift),
    all: new OrderedHosts(rankCount, tuning.bucketSizeMax),
    hvm: new OrderedHosts(rankCount, tuning.bucketSizeMax),
    tree: new FirstFitTree(rankCount),
  };
  hostsByRank.forEach((host, rank) => addToIndex(index, rank, host));
  return index;
}

/** The host at `rank` has changed: O(log n + bucket size). */
export function reindexHost(index: HostIndex, rank: number, host: HostState): void {
  const { all, hvm } = index;
  if (all.has(rank)) all.remove(rank);
  if (hvm.has(rank)) hvm.remove(rank);
  index.hosts.set(rank, host);
  addToIndex(index, rank, host);
}

function addToIndex(index: HostIndex, rank: number, host: HostState): void {
  const eligible = host.up && host.enabled;
  // The very value VCPUS compares, so skipping and bulk counting by it are exact.
  const headroom = vcpuHeadroom(host, index.cpuAllocationRatio);
  if (eligible) index.all.insert(rank, host.memoryFreeKib, headroom);
  if (eligible && host.hvmCapable) index.hvm.insert(rank, host.memoryFreeKib, headroom);
  index.tree.set(rank, {
    memoryFreeKib: eligible ? host.memoryFreeKib : -Infinity,
    memoryFreeKibHvm: eligible && host.hvmCapable ? host.memoryFreeKib : -Infinity,
    vcpuHeadroom: eligible ? headroom : -Infinity,
  });
}
