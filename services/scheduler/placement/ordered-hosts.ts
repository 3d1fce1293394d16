/**
 * Host ranks ordered by (key, rank), the key being free memory in KiB: a sorted list cut into
 * buckets of at most BUCKET_SIZE_MAX, so insert and remove cost O(log n + bucket size) and a scan
 * from either end, or from the first key >= some bound, visits hosts in order.
 */
export const BUCKET_SIZE_MAX = 256;

/** Return false to stop the scan. */
export type Visit = (rank: number, key: number) => boolean;

export class OrderedHosts {
  private readonly buckets: number[][] = [[]];
  /** The key each present rank was inserted under; NaN when absent. */
  private readonly keyByRank: Float64Array;
  private count = 0;

  constructor(rankCount: number) {
    this.keyByRank = new Float64Array(rankCount).fill(NaN);
  }

  get size(): number {
    return this.count;
  }

  has(rank: number): boolean {
    return !Number.isNaN(this.keyOf(rank));
  }

  insert(rank: number, key: number): void {
    if (this.has(rank)) throw new Error(`OrderedHosts: rank ${rank} already present`);
    if (Number.isNaN(key)) throw new Error(`OrderedHosts: rank ${rank} has no key`);
    this.keyByRank[rank] = key;
    const bucketIndex = this.bucketFor(key, rank);
    const bucket = this.bucketAt(bucketIndex);
    bucket.splice(this.positionIn(bucket, key, rank), 0, rank);
    this.count++;
    if (bucket.length > BUCKET_SIZE_MAX)
      this.buckets.splice(bucketIndex + 1, 0, bucket.splice(bucket.length >> 1));
  }

  remove(rank: number): void {
    const key = this.keyOf(rank);
    if (Number.isNaN(key)) throw new Error(`OrderedHosts: rank ${rank} not present`);
    const bucketIndex = this.bucketFor(key, rank);
    const bucket = this.bucketAt(bucketIndex);
    const position = this.positionIn(bucket, key, rank);
    if (bucket[position] !== rank) throw new Error(`OrderedHosts: rank ${rank} not where its key says`);
    bucket.splice(position, 1);
    this.keyByRank[rank] = NaN;
    this.count--;
    if (bucket.length === 0 && this.buckets.length > 1) this.buckets.splice(bucketIndex, 1);
  }

  /** From the largest key down. */
  scanDescending(visit: Visit): void {
    for (let b = this.buckets.length - 1; b >= 0; b--) {
      const bucket = this.bucketAt(b);
      for (let i = bucket.length - 1; i >= 0; i--) {
        const rank = bucket[i] as number;
        if (!visit(rank, this.keyOf(rank))) return;
      }
    }
  }

  /** From the smallest key >= keyMin up. */
  scanAscendingFrom(keyMin: number, visit: Visit): void {
    const first = this.bucketFor(keyMin, -1);
    for (let b = first; b < this.buckets.length; b++) {
      const bucket = this.bucketAt(b);
      const start = b === first ? this.positionIn(bucket, keyMin, -1) : 0;
      for (let i = start; i < bucket.length; i++) {
        const rank = bucket[i] as number;
        if (!visit(rank, this.keyOf(rank))) return;
      }
    }
  }

  private keyOf(rank: number): number {
    const key = this.keyByRank[rank];
    if (key === undefined) throw new Error(`OrderedHosts: rank ${rank} out of range`);
    return key;
  }

  private bucketAt(index: number): number[] {
    const bucket = this.buckets[index];
    if (!bucket) throw new Error(`OrderedHosts: no bucket ${index}`);
    return bucket;
  }

  /** (key, rank) compared with the entry at `rank`: negative when it sorts before. */
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
