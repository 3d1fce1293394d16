import type { NumaNode } from "./numa.js";

/**
 * Node combinations tried at most per placement: libxl tries every k-combination of nodes, which
 * with 64 nodes is beyond counting; past this many xensim keeps the best found so far.
 */
export const NUMA_CANDIDATE_COUNT_MAX = 10_000;

export interface NumaPlacementInput {
  layout: readonly NumaNode[];
  /** Free memory of each node now. */
  freeKibByNode: readonly number[];
  /** vCPUs of already placed domains with affinity to each node. */
  vcpusByNode: readonly number[];
  memoryKib: number;
  vcpuCount: number;
  /** The pCPUs the domain may use: its cpupool's, within its hard affinity. */
  allowedPcpus: readonly number[];
}

interface Candidate {
  nodes: number[];
  freeKib: number;
  vcpuCount: number;
}

/**
 * libxl's automatic NUMA placement (libxl_dom.c numa_place_domain, libxl_numa.c
 * libxl__get_numa_candidate), kept simple: the fewest nodes that have the domain's memory free and
 * at least as many usable pCPUs as it has vCPUs — one node if any one fits, so a guest fills a node
 * before it spans two; among those, the one with the fewest vCPUs already placed, then the most
 * free memory (numa_cmpf), then the lowest node numbers. undefined when nothing fits: the domain
 * keeps affinity with every node, as libxl leaves it.
 */
export function numaPlace(input: NumaPlacementInput): number[] | undefined {
  const allowed = new Set(input.allowedPcpus);
  const suitable = input.layout.filter((node) => node.pcpus.some((p) => allowed.has(p))).map((n) => n.node);
  let tried = 0;
  for (let size = 1; size <= suitable.length; size++) {
    let best: Candidate | undefined;
    for (const nodes of combinations(suitable, size)) {
      if (++tried > NUMA_CANDIDATE_COUNT_MAX) return best?.nodes;
      const candidate = candidateOf(input, allowed, nodes);
      if (candidate !== undefined && (best === undefined || better(candidate, best))) best = candidate;
    }
    if (best !== undefined) return best.nodes;
  }
  return undefined;
}

function candidateOf(
  input: NumaPlacementInput,
  allowed: Set<number>,
  nodes: number[],
): Candidate | undefined {
  const freeKib = nodes.reduce((sum, node) => sum + input.freeKibByNode[node]!, 0);
  const pcpuCount = nodes.reduce(
    (sum, node) => sum + input.layout[node]!.pcpus.filter((p) => allowed.has(p)).length,
    0,
  );
  if (freeKib < input.memoryKib || pcpuCount < input.vcpuCount) return undefined;
  return { nodes, freeKib, vcpuCount: nodes.reduce((sum, node) => sum + input.vcpusByNode[node]!, 0) };
}

/** numa_cmpf: fewer vCPUs first, then more free memory; a tie keeps the earlier combination. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.vcpuCount !== b.vcpuCount) return a.vcpuCount < b.vcpuCount;
  return a.freeKib > b.freeKib;
}

/** The k-combinations of `items` in lexicographic order (libxl_numa.c comb_init / comb_next). */
function* combinations(items: readonly number[], k: number): Generator<number[]> {
  const index = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield index.map((i) => items[i]!);
    let i = k - 1;
    while (i >= 0 && index[i] === items.length - k + i) i--;
    if (i < 0) return;
    index[i]!++;
    for (let j = i + 1; j < k; j++) index[j] = index[j - 1]! + 1;
  }
}
