/**
 * Host ranks ordered by (key, rank), the key being free memory in KiB: a sorted list cut into
 * buckets of at most BUCKET_SIZE_MAX (by default), so insert and remove cost O(log n + bucket size) and a scan
 * from either end, or from the first key >= some bound, visits hosts in order. Each bucket knows
 * the least and the largest vCPU headroom in it: a scan skips buckets with no headroom for the
 * request, and a run of equal keys counts whole buckets whose every host has it without visiting them.
 */
export const BUCKET_SIZE_MAX = 256;

/** Return false to stop the scan. */
export type Visit = (rank: number, key: number) => boolean;

/** Part of a run of equal keys: `ranks[start..end)`, in rank order, and its bucket's least headroom. */
export interface RunSlice {
  ranks: readonly number[];
  start: number;
  end: number;
  headroomMin: number;
}

export class OrderedHosts {
  private readonly buckets: number[][] = [[]];
  private readonly headroomMinByBucket: number[] = [Infinity];
  private readonly headroomMaxByBucket: number[] = [-Infinity];
  /** The key each present rank was inserted under; NaN when absent. */
  private readonly keyByRank: Float64Array;
  private readonly headroomByRank: Float64Array;
  private count = 0;

  constructor(
    rankCount: number,
    private readonly bucketSizeMax = BUCKET_SIZE_MAX,
  ) {
    if (!(bucketSizeMax >= 2)) throw new Error(`OrderedHosts: bucketSizeMax ${bucketSizeMax}`);
    this.keyByRank = new Float64Array(rankCount).fill(NaN);
    this.headroomByRank = new Float64Array(rankCount);
  }

  get size(): number {
    return this.count;
  }

  has(rank: number): boolean {
    return !Number.isNaN(this.keyOf(rank));
  }

  insert(rank: number, key: number, vcpuHeadroom: number): void {
    if (this.has(rank)) throw new Error(`OrderedHosts: rank ${rank} already present`);
    if (Number.isNaN(key) || Number.isNaN(vcpuHeadroom))
      throw new Error(`OrderedHosts: rank ${rank} has no key`);
    this.keyByRank[rank] = key;
    this.headroomByRank[rank] = vcpuHeadroom;
    const b = this.bucketFor(key, rank);
    const bucket = this.bucketAt(b);
    bucket.splice(this.positionIn(bucket, key, rank), 0, rank);
    this.headroomMinByBucket[b] = Math.min(this.headroomMinByBucket[b] ?? Infinity, vcpuHeadroom);
    this.headroomMaxByBucket[b] = Math.max(this.headroomMaxByBucket[b] ?? -Infinity, vcpuHeadroom);
    this.count++;
    if (bucket.length > this.bucketSizeMax) {
      this.buckets.splice(b + 1, 0, bucket.splice(bucket.length >> 1));
      this.headroomMinByBucket.splice(b + 1, 0, Infinity);
      this.headroomMaxByBucket.splice(b + 1, 0, -Infinity);
      this.refreshHeadroom(b);
      this.refreshHeadroom(b + 1);
    }
  }

  remove(rank: number): void {
    const key = this.keyOf(rank);
    if (Number.isNaN(key)) throw new Error(`OrderedHosts: rank ${rank} not present`);
    const b = this.bucketFor(key, rank);
    const bucket = this.bucketAt(b);
    const position = this.positionIn(bucket, key, rank);
    if (bucket[position] !== rank) throw new Error(`OrderedHosts: rank ${rank} not where its key says`);
    bucket.splice(position, 1);
    this.keyByRank[rank] = NaN;
    this.count--;
    if (bucket.length > 0 || this.buckets.length === 1) return this.refreshHeadroom(b);
    this.buckets.splice(b, 1);
    this.headroomMinByBucket.splice(b, 1);
    this.headroomMaxByBucket.splice(b, 1);
  }

  /** From the largest key down, skipping buckets without `vcpus` of headroom. */
  scanDescending(vcpus: number, visit: Visit): void {
    for (let b = this.buckets.length - 1; b >= 0; b--) {
      if ((this.headroomMaxByBucket[b] as number) < vcpus) continue;
      const bucket = this.bucketAt(b);
      for (let i = bucket.length - 1; i >= 0; i--) {
        const rank = bucket[i] as number;
        if (!visit(rank, this.keyOf(rank))) return;
      }
    }
  }

  /** From the smallest key >= keyMin up, skipping buckets without `vcpus` of headroom. */
  scanAscendingFrom(keyMin: number, vcpus: number, visit: Visit): void {
    const first = this.bucketFor(keyMin, -1);
    for (let b = first; b < this.buckets.length; b++) {
      if ((this.headroomMaxByBucket[b] as number) < vcpus) continue;
      const bucket = this.bucketAt(b);
      const start = b === first ? this.positionIn(bucket, keyMin, -1) : 0;
      for (let i = start; i < bucket.length; i++) {
        const rank = bucket[i] as number;
        if (!visit(rank, this.keyOf(rank))) return;
      }
    }
  }

  /** Every entry whose key is `key`, in rank order, one slice per bucket. */
  run(key: number): RunSlice[] {
    const slices: RunSlice[] = [];
    for (let b = this.bucketFor(key, -1); b < this.buckets.length; b++) {
      const ranks = this.bucketAt(b);
      const start = this.positionIn(ranks, key, -1);
      const end = this.positionIn(ranks, key, Infinity);
      if (end > start) slices.push({ ranks, start, end, headroomMin: this.headroomMinByBucket[b] as number });
      if (end < ranks.length) break;
    }
    return slices;
  }

  private refreshHeadroom(b: number): void {
    let headroomMin = Infinity;
    let headroomMax = -Infinity;
    for (const rank of this.bucketAt(b)) {
      const headroom = this.headroomByRank[rank] as number;
      headroomMin = Math.min(headroomMin, headroom);
      headroomMax = Math.max(headroomMax, headroom);
    }
    this.headroomMinByBucket[b] = headroomMin;
    this.headroomMaxByBucket[b] = headroomMax;
  }

  private keyOf(rank: number): number {
    const key = this.keyByRank[rank];
    if (key === undefined) throw new Error(`OrderedHosts: rank ${rank} out of range`);
    return key;
  }

  private bucketAt(b: number): number[] {
    const bucket = this.buckets[b];
    if (!bucket) throw new Error(`OrderedHosts: no bucket ${b}`);
    return bucket;
  }

  /** (key, rank) compared with the entry at `entryRank`: negative when it sorts before. */
  private compare(key: number, rank: number, entryRank: number): number {
    return key - this.keyOf(entryRank) || rank - entryRank;
  }

  /** The first bucket whose last entry is >= (key, rank), or the last bucket. */
  private bucketFor(key: number, rank: number): number {
    let lo = 0;
    let hi = this.buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const bucket = this.bucketAt(mid);
      const last = bucket[bucket.length - 1];
      if (last !== undefined && this.compare(key, rank, last) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first position in `bucket` whose entry is >= (key, rank). */
  private positionIn(bucket: readonly number[], key: number, rank: number): number {
    let lo = 0;
    let hi = bucket.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(key, rank, bucket[mid] as number) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
