import type { Prng } from "../../core/prng.js";
import type { HostIndex } from "./host-index.js";
import type { HostState, PlacementRequest } from "./model.js";
import { pickInRun, type RunJudge } from "./tie-run.js";

export type Passes = (host: HostState) => boolean;

function hostAt(index: HostIndex, rank: number): HostState {
  return index.hosts.get(rank);
}

/**
 * The host with the most (direction +1, spread) or least (-1, pack) free memory among those that
 * pass, ties in host-id order broken by the PRNG: the same choice as weighing with the free-memory
 * weigher alone, whose normalisation keeps the order of free memory (engine-rules.ts says why it
 * keeps distinct values distinct). The scan finds the first host
 * that passes, skipping those that do not; its run of equal free memory is then counted in bulk.
 * `failingRanks` are the hosts the request excludes or that run its anti-affinity group.
 */
export function extremeFreeMemory(
  index: HostIndex,
  request: PlacementRequest,
  passes: Passes,
  failingRanks: ReadonlySet<number>,
  direction: 1 | -1,
  prng: Prng,
): HostState | undefined {
  const ordered = request.type === "hvm" ? index.hvm : index.all;
  let tiedKey = NaN;
  const visit = (rank: number, memoryFreeKib: number): boolean => {
    if (memoryFreeKib < request.memoryKib) return false;
    if (!passes(hostAt(index, rank))) return true;
    tiedKey = memoryFreeKib;
    return false;
  };
  if (direction > 0) ordered.scanDescending(request.vcpus, visit);
  else ordered.scanAscendingFrom(request.memoryKib, request.vcpus, visit);
  if (Number.isNaN(tiedKey)) return undefined;
  const judge: RunJudge = {
    vcpus: request.vcpus,
    bulk: request.countsAsMigration !== true,
    failing: failingRanks,
    passes: (rank) => passes(hostAt(index, rank)),
  };
  return hostAt(index, pickInRun(ordered.run(tiedKey), judge, prng));
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
