import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { numaSplit, listCpupools } from "./cpupool.js";
import { Toolstack } from "./toolstack.js";
import { listVcpus } from "./vcpu-control.js";
import { loadDomainConfig } from "./xlcfg/load.js";

/** 8 pCPUs and 4 GiB in two nodes: pCPUs 0-3 and 2 GiB each. */
function newHost(): Toolstack {
  const spec = {
    hostId: "n1",
    pcpuCount: 8,
    memoryMib: 4096,
    hvmCapable: true,
    cpuMhz: 2400,
    numaNodeCount: 2,
  };
  return new Toolstack(spec, { memoryMib: 512, vcpus: 2 }, new SimulatedClock(), new Prng(5), {
    scheduler: "credit2",
  });
}

function guest(ts: Toolstack, name: string, memoryMib: number, extra = ""): void {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = ${memoryMib}\nvcpus = 2\n${extra}`;
  ts.create(loadDomainConfig(text, `${name}.cfg`, [], ts.prng), { configSource: `${name}.cfg` });
}

const soft = (ts: Toolstack, name: string) => listVcpus(ts, [name])[0]!.vcpus.map((v) => v.softAffinityText);
const nodesOf = (ts: Toolstack, name: string) =>
  ts.hypervisor.domain(ts.requireDomain(name).domid)!.numaNodes;

describe("NUMA nodes of a host (libxl's automatic placement, xl info -n, node: affinity)", () => {
  it("places each guest on one node, balancing vCPUs, and shows the node's pCPUs as soft affinity", () => {
    const ts = newHost();
    guest(ts, "a", 256); // Dom0's memory is on node 0: node 1 has more free
    guest(ts, "b", 256); // node 1 now has a's vCPUs: node 0
    expect([nodesOf(ts, "a"), nodesOf(ts, "b")]).toEqual([[1], [0]]);
    expect(soft(ts, "a")).toEqual(["4-7", "4-7"]);
    expect(soft(ts, "b")).toEqual(["0-3", "0-3"]);
    expect(ts.requireDomain("a").config.cpusSoft).toBeUndefined(); // a destination places afresh
  });

  it("spans two nodes only when no one node has the memory, and charges each node what it holds", () => {
    const ts = newHost();
    guest(ts, "big", 2500);
    expect(nodesOf(ts, "big")).toEqual([0, 1]);
    const usedKib = ts.hypervisor.numaUsedKib();
    expect(usedKib[0]).toBe(2048 * 1024); // big fills node 0 after Dom0, the rest goes to node 1
    expect(usedKib[1]).toBeGreaterThan(0);
    const freeKib = ts.hypervisor.frames.frameCountFreeNow * 4;
    expect(4096 * 1024 - usedKib[0]! - usedKib[1]!).toBe(freeKib);
  });

  it('honours cpus="node:1" and places within the hard affinity', () => {
    const ts = newHost();
    guest(ts, "pinned", 128, 'cpus = "node:0"\n');
    expect(listVcpus(ts, ["pinned"])[0]!.vcpus[0]!.hardAffinityText).toBe("0-3");
    expect(nodesOf(ts, "pinned")).toEqual([0]);
    expect(() => guest(ts, "bad", 128, 'cpus = "node:2"\n')).toThrow(
      "NUMA node 2 does not exist (nodes 0..1)",
    );
  });

  it("cpupool-numa-split makes one pool per node, the same scheduler, Dom0 staying in Pool-node0", () => {
    const ts = newHost();
    expect(numaSplit(ts).map((p) => [p.name, p.cpus, p.scheduler, p.domainCount])).toEqual([
      ["Pool-node0", [0, 1, 2, 3], "credit2", 1],
      ["Pool-node1", [4, 5, 6, 7], "credit2", 0],
    ]);
    expect(listCpupools(ts)).toHaveLength(2);
    guest(ts, "n1", 128, 'pool = "Pool-node1"\n');
    expect(nodesOf(ts, "n1")).toEqual([1]);
  });
});
