import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTopology } from "./topology.js";

const EXAMPLE = new URL("../../deploy/topologies/mixed.json", import.meta.url);

function errorOf(text: string): string {
  try {
    parseTopology(text, "t.json");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a topology error");
}

const host = (fields: string) => `{"version": 1, "hosts": [{"id": "h1", "memory": "1g"${fields}}]}`;

describe("parseTopology (docs/topology.md)", () => {
  it("reads the example: each host its own memory (xl sizes, bare = MiB), pCPUs, HVM, NUMA, NIC, rack", () => {
    const topology = parseTopology(readFileSync(EXAMPLE, "utf8"), "mixed.json");
    expect(topology.hosts).toEqual([
      {
        id: "host1",
        memoryMib: 8192,
        pcpus: 16,
        hvm: true,
        numaNodes: 2,
        nicBytesPerSecond: 1.25e9,
        rack: "r1",
      },
      {
        id: "host2",
        memoryMib: 4096,
        pcpus: 8,
        hvm: true,
        numaNodes: 1,
        nicBytesPerSecond: 1.25e9,
        rack: "r1",
      },
      {
        id: "host3",
        memoryMib: 2048,
        pcpus: 4,
        hvm: false,
        numaNodes: 1,
        nicBytesPerSecond: 1.25e8,
        rack: "r2",
      },
    ]);
  });

  it("refuses bad input naming the file and the field", () => {
    expect(errorOf("{")).toMatch(/^t\.json: not JSON/);
    expect(errorOf('{"version": 2, "hosts": []}')).toBe("t.json: version must be 1");
    expect(errorOf('{"version": 1, "hosts": []}')).toMatch(/hosts must be a list of 1\.\.64 hosts/);
    expect(errorOf(host(', "pcpus": 0'))).toBe("t.json: hosts[0].pcpus: a whole number in 1..4096");
    expect(errorOf(host(', "cpus": 4'))).toMatch(/^t\.json: hosts\[0\]: unknown key "cpus"/);
    expect(errorOf(host(', "hvm": "yes"'))).toBe("t.json: hosts[0].hvm: true or false");
    expect(errorOf(host(', "pcpus": 2, "numa_nodes": 3'))).toBe(
      "t.json: hosts[0].numa_nodes: 3 nodes need as many pCPUs (pcpus is 2)",
    );
    expect(errorOf(host(', "nic_bandwidth": "fast"'))).toMatch(/^t\.json: hosts\[0\]\.nic_bandwidth: /);
    expect(errorOf('{"version": 1, "hosts": [{"id": "h1", "memory": "1gb"}]}')).toMatch(
      /invalid t\.json: hosts\[0\]\.memory "1gb"/,
    );
    expect(errorOf('{"version": 1, "hosts": [{"id": "h1", "memory": 1}, {"id": "h1", "memory": 1}]}')).toBe(
      't.json: host id "h1" appears twice',
    );
  });
});
