import { assert } from "../errors.js";

/** The most pCPUs one simulated host may have (Xen's NR_CPUS default on x86 is 256). */
export const PCPU_COUNT_MAX = 256;

/** CpuMask.all's masks, by pCPU count (at most PCPU_COUNT_MAX + 1 entries). */
const allMasksByCount: Array<CpuMask | undefined> = [];

/**
 * An immutable set of a host's pCPUs (a cpumask_t): a vCPU's hard affinity. Membership is an array
 * lookup because the scheduler asks it on every placement decision.
 */
export class CpuMask {
  private readonly members: Uint8Array;
  private readonly pcpus: readonly number[];

  private constructor(
    readonly pcpuCount: number,
    pcpus: readonly number[],
  ) {
    assert(pcpuCount >= 1 && pcpuCount <= PCPU_COUNT_MAX, `pcpu count ${pcpuCount} out of range`);
    this.members = new Uint8Array(pcpuCount);
    for (const pcpu of pcpus) {
      assert(Number.isInteger(pcpu) && pcpu >= 0 && pcpu < pcpuCount, `pcpu ${pcpu} outside the host`);
      this.members[pcpu] = 1;
    }
    this.pcpus = [...this.members.keys()].filter((pcpu) => this.members[pcpu] === 1);
    assert(this.pcpus.length > 0, "an affinity mask must hold at least one pCPU");
  }

  /** Every pCPU of a host of `pcpuCount`: one shared mask per count (masks never change). */
  static all(pcpuCount: number): CpuMask {
    let mask = allMasksByCount[pcpuCount];
    if (mask === undefined) {
      mask = new CpuMask(
        pcpuCount,
        Array.from({ length: pcpuCount }, (_, pcpu) => pcpu),
      );
      allMasksByCount[pcpuCount] = mask;
    }
    return mask;
  }

  /** A mask of the given pCPUs; each must exist on the host and the list must not be empty. */
  static of(pcpuCount: number, pcpus: readonly number[]): CpuMask {
    return new CpuMask(pcpuCount, pcpus);
  }

  has(pcpu: number): boolean {
    return this.members[pcpu] === 1;
  }

  get size(): number {
    return this.pcpus.length;
  }

  get isAll(): boolean {
    return this.pcpus.length === this.pcpuCount;
  }

  /** The member pCPUs in ascending order. */
  list(): readonly number[] {
    return this.pcpus;
  }

  first(): number {
    return this.pcpus[0]!;
  }

  /** The first member at or after `pcpu`, wrapping around (cpumask_cycle). */
  cycleFrom(pcpu: number): number {
    for (let offset = 0; offset < this.pcpuCount; offset++) {
      const candidate = (pcpu + offset) % this.pcpuCount;
      if (this.members[candidate] === 1) return candidate;
    }
    throw new Error("assertion failed: empty cpu mask");
  }

  /** As xl vcpu-list prints a cpumap: "all" when every pCPU is in, else ranges such as "0-3,5". */
  format(): string {
    if (this.isAll) return "all";
    const parts: string[] = [];
    let start = -1;
    let previous = -2;
    for (const pcpu of [...this.pcpus, -1]) {
      if (pcpu === previous + 1) {
        previous = pcpu;
        continue;
      }
      if (start >= 0) parts.push(start === previous ? `${start}` : `${start}-${previous}`);
      start = pcpu;
      previous = pcpu;
    }
    return parts.join(",");
  }
}
