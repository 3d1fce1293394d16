import { assert } from "./errors.js";

/** Most NUMA nodes a host may have (the topology file's bound; Xen's MAX_NUMNODES is 64 on x86). */
export const NUMA_NODE_COUNT_MAX = 64;
/** ACPI SLIT distances as Xen reports them without a SLIT table: 10 local, 20 remote. */
export const NUMA_DISTANCE_LOCAL = 10;
export const NUMA_DISTANCE_REMOTE = 20;

/** One NUMA node of a host: its pCPUs (contiguous, as firmware numbers them) and memory. */
export interface NumaNode {
  node: number;
  pcpus: readonly number[];
  memoryMib: number;
}

/**
 * How a host of `pcpuCount` pCPUs and `memoryMib` splits into `nodeCount` nodes: each node a
 * contiguous run of pCPUs and an equal share of memory, the remainders to the lowest nodes. Every
 * node has at least one pCPU.
 */
export function numaLayout(pcpuCount: number, memoryMib: number, nodeCount: number): NumaNode[] {
  assert(
    Number.isInteger(nodeCount) && nodeCount >= 1 && nodeCount <= NUMA_NODE_COUNT_MAX,
    `${nodeCount} nodes`,
  );
  assert(nodeCount <= pcpuCount, `${nodeCount} NUMA nodes for ${pcpuCount} pCPUs: each node needs one`);
  const nodes: NumaNode[] = [];
  let pcpuNext = 0;
  for (let node = 0; node < nodeCount; node++) {
    const pcpuCountOfNode = Math.floor(pcpuCount / nodeCount) + (node < pcpuCount % nodeCount ? 1 : 0);
    const memoryMibOfNode = Math.floor(memoryMib / nodeCount) + (node < memoryMib % nodeCount ? 1 : 0);
    nodes.push({
      node,
      pcpus: Array.from({ length: pcpuCountOfNode }, (_, i) => pcpuNext + i),
      memoryMib: memoryMibOfNode,
    });
    pcpuNext += pcpuCountOfNode;
  }
  return nodes;
}

/** The node a pCPU belongs to. */
export function nodeOfPcpu(layout: readonly NumaNode[], pcpu: number): number {
  const node = layout.find((n) => n.pcpus.includes(pcpu));
  assert(node !== undefined, `pCPU ${pcpu} is on no node`);
  return node.node;
}

/** One domain's memory as the ledger places it: how much, and on which nodes in fill order. */
export interface NumaPlacedDomain {
  domid: number;
  memoryKib: number;
  nodes: readonly number[];
}

/**
 * Each node's used memory, a function of the state: the domains in domid order each fill their
 * nodes in order (a node full, the next), and what the hypervisor uses besides the domains' pages
 * is charged to node 0. The sum over nodes is the host's used memory.
 */
export function numaUsedKib(
  layout: readonly NumaNode[],
  domains: readonly NumaPlacedDomain[],
  otherUsedKib: number,
): number[] {
  const sizeKib = layout.map((n) => n.memoryMib * 1024);
  const used = layout.map(() => 0);
  used[0] = Math.min(otherUsedKib, sizeKib[0]!);
  let spill = otherUsedKib - used[0];
  for (const domain of [...domains].sort((a, b) => a.domid - b.domid)) {
    let leftKib = domain.memoryKib;
    const order = [...domain.nodes, ...layout.map((n) => n.node).filter((n) => !domain.nodes.includes(n))];
    for (const node of order) {
      const takeKib = Math.min(leftKib, sizeKib[node]! - used[node]!);
      used[node]! += takeKib;
      leftKib -= takeKib;
    }
    spill += leftKib;
  }
  for (let node = 0; spill > 0 && node < layout.length; node++) {
    const takeKib = Math.min(spill, sizeKib[node]! - used[node]!);
    used[node]! += takeKib;
    spill -= takeKib;
  }
  return used;
}

/** What a cpu list is parsed against: the host's pCPUs and each NUMA node's (for `node:N`). */
export interface HostCpus {
  pcpuCount: number;
  nodePcpus: readonly (readonly number[])[];
}

/** The NUMA layout of a host spec (one node unless numaNodeCount says more). */
export function hostNumaLayout(spec: {
  pcpuCount: number;
  memoryMib: number;
  numaNodeCount?: number;
}): NumaNode[] {
  return numaLayout(spec.pcpuCount, spec.memoryMib, spec.numaNodeCount ?? 1);
}

export function hostCpus(spec: { pcpuCount: number; memoryMib: number; numaNodeCount?: number }): HostCpus {
  return { pcpuCount: spec.pcpuCount, nodePcpus: hostNumaLayout(spec).map((node) => node.pcpus) };
}
