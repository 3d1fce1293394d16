/**
 * A max segment tree over host ranks (host-id order) for first-fit: each node holds the largest free
 * memory below it (all hosts, and HVM-capable hosts alone) and the largest vCPU headroom, so the
 * search skips every subtree in which no host could fit. Ineligible hosts hold -Infinity.
 */
export interface FirstFitLeaf {
  memoryFreeKib: number;
  memoryFreeKibHvm: number;
  vcpuHeadroom: number;
}

export class FirstFitTree {
  private readonly leafCount: number;
  private readonly memoryFreeKib: Float64Array;
  private readonly memoryFreeKibHvm: Float64Array;
  private readonly vcpuHeadroom: Float64Array;

  constructor(readonly rankCount: number) {
    let leafCount = 1;
    while (leafCount < rankCount) leafCount *= 2;
    this.leafCount = leafCount;
    this.memoryFreeKib = new Float64Array(2 * leafCount).fill(-Infinity);
    this.memoryFreeKibHvm = new Float64Array(2 * leafCount).fill(-Infinity);
    this.vcpuHeadroom = new Float64Array(2 * leafCount).fill(-Infinity);
  }

  set(rank: number, leaf: FirstFitLeaf): void {
    if (!(rank >= 0 && rank < this.rankCount)) throw new Error(`FirstFitTree: rank ${rank} out of range`);
    let node = this.leafCount + rank;
    this.memoryFreeKib[node] = leaf.memoryFreeKib;
    this.memoryFreeKibHvm[node] = leaf.memoryFreeKibHvm;
    this.vcpuHeadroom[node] = leaf.vcpuHeadroom;
    for (node >>= 1; node >= 1; node >>= 1) {
      pullUp(this.memoryFreeKib, node);
      pullUp(this.memoryFreeKibHvm, node);
      pullUp(this.vcpuHeadroom, node);
    }
  }

  /**
   * The smallest rank >= rankFrom whose host has the memory and vCPU headroom (the same values the
   * filters compare), or -1. The caller checks that host against the remaining filters.
   */
  findFirst(rankFrom: number, memoryKib: number, hvm: boolean, vcpus: number): number {
    const memory = hvm ? this.memoryFreeKibHvm : this.memoryFreeKib;
    const fits = (node: number): boolean =>
      (memory[node] as number) >= memoryKib && (this.vcpuHeadroom[node] as number) >= vcpus;
    const search = (node: number, lo: number, hi: number): number => {
      if (hi < rankFrom || !fits(node)) return -1;
      if (lo === hi) return lo < this.rankCount ? lo : -1;
      const mid = (lo + hi) >> 1;
      const left = search(2 * node, lo, mid);
      return left >= 0 ? left : search(2 * node + 1, mid + 1, hi);
    };
    return search(1, 0, this.leafCount - 1);
  }
}

function pullUp(values: Float64Array, node: number): void {
  values[node] = Math.max(values[2 * node] as number, values[2 * node + 1] as number);
}
