import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { OrderedHosts } from "./ordered-hosts.js";

const RANK_COUNT = 40;

/** The reference: present ranks sorted by (key, rank). */
function sorted(keys: Map<number, number>): number[] {
  return [...keys.keys()].sort((a, b) => (keys.get(a) as number) - (keys.get(b) as number) || a - b);
}

function collect(scan: (visit: (rank: number) => boolean) => void): number[] {
  const ranks: number[] = [];
  scan((rank) => (ranks.push(rank), true));
  return ranks;
}

describe("OrderedHosts", () => {
  it("keeps ranks in (key, rank) order through random inserts and removes, across small buckets", () => {
    const prng = new Prng(3);
    const ordered = new OrderedHosts(RANK_COUNT, 3);
    const keys = new Map<number, number>();
    for (let step = 0; step < 2000; step++) {
      const rank = prng.nextInt(RANK_COUNT);
      if (keys.has(rank)) {
        ordered.remove(rank);
        keys.delete(rank);
      } else {
        const key = prng.nextInt(6);
        ordered.insert(rank, key, 8);
        keys.set(rank, key);
      }
      const expected = sorted(keys);
      expect(collect((visit) => ordered.scanAscendingFrom(-Infinity, 0, visit))).toEqual(expected);
      expect(collect((visit) => ordered.scanDescending(0, visit))).toEqual([...expected].reverse());
      const keyMin = prng.nextInt(7);
      expect(collect((visit) => ordered.scanAscendingFrom(keyMin, 0, visit))).toEqual(
        expected.filter((r) => (keys.get(r) as number) >= keyMin),
      );
      const runKey = prng.nextInt(6);
      const run = ordered.run(runKey).flatMap((slice) => slice.ranks.slice(slice.start, slice.end));
      expect(run).toEqual(expected.filter((r) => keys.get(r) === runKey));
      expect(ordered.size).toBe(keys.size);
    }
  });

  it("stops a scan when the visitor says so", () => {
    const ordered = new OrderedHosts(4);
    [5, 1, 3, 2].forEach((key, rank) => ordered.insert(rank, key, 1));
    const seen: number[] = [];
    ordered.scanDescending(0, (rank, key) => (seen.push(key), key > 3));
    expect(seen).toEqual([5, 3]);
  });

  it("skips buckets without enough vCPU headroom and reports each bucket's least headroom", () => {
    const ordered = new OrderedHosts(8, 2);
    const headrooms = [0, 0, 4, 0, 8, 8, 1, 0];
    headrooms.forEach((headroom, rank) => ordered.insert(rank, rank, headroom));
    const visited = collect((visit) => ordered.scanAscendingFrom(0, 4, visit));
    expect(visited).toContain(2);
    expect(visited).toContain(4);
    expect(visited).not.toContain(0);
    expect(visited).not.toContain(7);
    const same = new OrderedHosts(6, 2);
    const sameHeadrooms = [3, 5, 4, 6, 2, 7];
    sameHeadrooms.forEach((headroom, rank) => same.insert(rank, 10, headroom));
    const slices = same.run(10);
    expect(slices.length).toBeGreaterThan(1);
    for (const slice of slices) {
      const ranks = slice.ranks.slice(slice.start, slice.end);
      expect(slice.headroomMin).toBe(Math.min(...ranks.map((rank) => sameHeadrooms[rank] as number)));
    }
  });

  it("refuses a rank twice and the removal of an absent one", () => {
    const ordered = new OrderedHosts(2);
    ordered.insert(0, 1, 1);
    expect(() => ordered.insert(0, 2, 1)).toThrow("already present");
    expect(() => ordered.remove(1)).toThrow("not present");
  });
});
