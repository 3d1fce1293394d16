import { describe, expect, it } from "vitest";
import { numaLayout, numaUsedKib } from "./numa.js";
import { numaPlace } from "./numa-placement.js";

const MIB_KIB = 1024;

describe("numaLayout", () => {
  it("splits pCPUs into contiguous runs and memory equally, remainders to the lowest nodes", () => {
    expect(numaLayout(7, 1001, 2)).toEqual([
      { node: 0, pcpus: [0, 1, 2, 3], memoryMib: 501 },
      { node: 1, pcpus: [4, 5, 6], memoryMib: 500 },
    ]);
    expect(() => numaLayout(2, 1024, 3)).toThrow("each node needs one");
  });
});

describe("numaUsedKib", () => {
  it("fills each domain's nodes in order, charges the rest to node 0, and spills past a full node", () => {
    const layout = numaLayout(4, 2048, 2);
    const used = numaUsedKib(
      layout,
      [
        { domid: 0, memoryKib: 512 * MIB_KIB, nodes: [] },
        { domid: 2, memoryKib: 1200 * MIB_KIB, nodes: [1] },
      ],
      16 * MIB_KIB,
    );
    // node 1 is full at 1024 MiB: the 176 MiB left go to node 0 after Dom0 and Xen's own.
    expect(used).toEqual([(16 + 512 + 176) * MIB_KIB, 1024 * MIB_KIB]);
  });
});

describe("numaPlace (libxl's automatic placement)", () => {
  const layout = numaLayout(8, 4096, 4);
  const all = [0, 1, 2, 3, 4, 5, 6, 7];
  const input = {
    layout,
    freeKibByNode: [1024, 1024, 1024, 1024].map((m) => m * MIB_KIB),
    vcpusByNode: [0, 0, 0, 0],
  };
  it("puts a guest that fits on one node there: the node with the fewest vCPUs, then the most free", () => {
    const place = (vcpusByNode: number[], freeMib: number[]) =>
      numaPlace({
        ...input,
        vcpusByNode,
        freeKibByNode: freeMib.map((m) => m * MIB_KIB),
        memoryKib: 256 * MIB_KIB,
        vcpuCount: 2,
        allowedPcpus: all,
      });
    expect(place([0, 0, 0, 0], [1024, 1024, 1024, 1024])).toEqual([0]);
    expect(place([2, 0, 2, 0], [1024, 512, 1024, 900])).toEqual([3]);
    expect(place([2, 2, 2, 2], [100, 1024, 1024, 1024])).toEqual([1]);
  });

  it("spans the fewest nodes when no one node has the memory or the pCPUs, and none when none fit", () => {
    const base = { ...input, allowedPcpus: all };
    expect(numaPlace({ ...base, memoryKib: 1500 * MIB_KIB, vcpuCount: 1 })).toEqual([0, 1]);
    expect(numaPlace({ ...base, memoryKib: 64 * MIB_KIB, vcpuCount: 5 })).toEqual([0, 1, 2]);
    expect(numaPlace({ ...base, memoryKib: 5000 * MIB_KIB, vcpuCount: 1 })).toBeUndefined();
    expect(numaPlace({ ...base, memoryKib: 64 * MIB_KIB, vcpuCount: 1, allowedPcpus: [6, 7] })).toEqual([3]);
  });
});
