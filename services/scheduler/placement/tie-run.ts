import type { Prng } from "../../core/prng.js";
import type { RunSlice } from "./ordered-hosts.js";
import { tieIndex } from "./tie-break.js";

/**
 * How the hosts of a run of equal free memory are judged. `bulk` holds when, in a slice whose
 * least vCPU headroom covers the request, the only hosts that fail the remaining filters are the
 * `failing` ranks (excluded or running the anti-affinity group): then the slice is counted
 * without visiting it. Otherwise (a migration, whose filter reads each host) hosts are visited.
 */
export interface RunJudge {
  vcpus: number;
  bulk: boolean;
  failing: ReadonlySet<number>;
  passes(rank: number): boolean;
}

/**
 * The rank the plain pipeline would take among the hosts of `slices` that pass: the same count of
 * candidates, listed in rank (host-id) order, and the same draw.
 */
export function pickInRun(slices: readonly RunSlice[], judge: RunJudge, prng: Prng): number {
  const counts = slices.map((slice) => passingCount(slice, judge));
  const total = counts.reduce((sum, count) => sum + count, 0);
  let remaining = tieIndex(total, prng);
  for (const [i, slice] of slices.entries()) {
    const count = counts[i] as number;
    if (remaining >= count) {
      remaining -= count;
      continue;
    }
    for (let position = slice.start; position < slice.end; position++) {
      const rank = slice.ranks[position] as number;
      if (!passesIn(slice, rank, judge)) continue;
      if (remaining === 0) return rank;
      remaining--;
    }
  }
  throw new Error(`pickInRun: ${total} counted, fewer found`);
}

function isBulk(slice: RunSlice, judge: RunJudge): boolean {
  return judge.bulk && slice.headroomMin >= judge.vcpus;
}

function passesIn(slice: RunSlice, rank: number, judge: RunJudge): boolean {
  return isBulk(slice, judge) ? !judge.failing.has(rank) : judge.passes(rank);
}

function passingCount(slice: RunSlice, judge: RunJudge): number {
  if (!isBulk(slice, judge)) {
    let count = 0;
    for (let position = slice.start; position < slice.end; position++) {
      if (judge.passes(slice.ranks[position] as number)) count++;
    }
    return count;
  }
  let failingInSlice = 0;
  for (const rank of judge.failing) if (containsRank(slice, rank)) failingInSlice++;
  return slice.end - slice.start - failingInSlice;
}

/** Binary search: a slice of one run is sorted by rank. */
function containsRank(slice: RunSlice, rank: number): boolean {
  let lo = slice.start;
  let hi = slice.end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((slice.ranks[mid] as number) < rank) lo = mid + 1;
    else hi = mid;
  }
  return lo < slice.end && slice.ranks[lo] === rank;
}
