import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { FirstFitTree, type FirstFitLeaf } from "./first-fit-tree.js";

describe("FirstFitTree", () => {
  it("finds the first rank with enough memory and vCPU headroom, as a linear search would", () => {
    const prng = new Prng(11);
    const rankCount = 37;
    const tree = new FirstFitTree(rankCount);
    const leaves: FirstFitLeaf[] = [];
    for (let rank = 0; rank < rankCount; rank++) {
      const leaf = { memoryFreeKib: -Infinity, memoryFreeKibHvm: -Infinity, vcpuHeadroom: -Infinity };
      leaves.push(leaf);
      tree.set(rank, leaf);
    }
    for (let step = 0; step < 3000; step++) {
      const rank = prng.nextInt(rankCount);
      const memoryFreeKib = prng.nextFloat() < 0.2 ? -Infinity : prng.nextInt(10);
      const leaf = {
        memoryFreeKib,
        memoryFreeKibHvm: prng.nextFloat() < 0.5 ? memoryFreeKib : -Infinity,
        vcpuHeadroom: prng.nextInt(6),
      };
      leaves[rank] = leaf;
      tree.set(rank, leaf);
      const [from, memoryKib, vcpus, hvm] = [
        prng.nextInt(rankCount),
        prng.nextInt(10),
        prng.nextInt(6),
        step % 2 === 0,
      ];
      const expected = leaves.findIndex(
        (l, r) =>
          r >= from && (hvm ? l.memoryFreeKibHvm : l.memoryFreeKib) >= memoryKib && l.vcpuHeadroom >= vcpus,
      );
      expect(tree.findFirst(from, memoryKib, hvm, vcpus)).toBe(expected);
    }
  });
});
