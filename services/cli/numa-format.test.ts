import { describe, expect, it } from "vitest";
import type { HostInfo } from "../gen/xensim/v1/host.js";
import { cPrintf } from "./c-printf.js";
import { formatInfo } from "./format.js";

// tools/xl/xl_info.c output_topologyinfo / output_numainfo (PRIu64 written as u).
const CPU_ROW = "%3d:    %4d     %4d     %4d";
const NODE_ROW = "%4d:    %6u     %6u      %d";

const INFO = {
  nrCpus: 4,
  nrNodes: 2,
  freeCpus: 0,
  cpuTopology: [0, 1, 2, 3].map((cpu) => ({ cpu, core: cpu % 2, socket: cpu >> 1, node: cpu >> 1 })),
  numaInfo: [
    { node: 0, memsizeMib: 2048, memfreeMib: 1000, distances: [10, 20] },
    { node: 1, memsizeMib: 2048, memfreeMib: 2048, distances: [20, 10] },
  ],
} as Partial<HostInfo> as HostInfo;

describe("xl info -n", () => {
  it("puts cpu_topology, device topology and numa_info after free_cpus, in xl's formats", () => {
    const lines = formatInfo(INFO, true).split("\n");
    const at = lines.findIndex((line) => line.startsWith("free_cpus "));
    expect(lines.slice(at + 1, at + 15)).toEqual([
      "cpu_topology           :",
      "cpu:    core    socket     node",
      cPrintf(CPU_ROW, 0, 0, 0, 0),
      cPrintf(CPU_ROW, 1, 1, 0, 0),
      cPrintf(CPU_ROW, 2, 0, 1, 1),
      cPrintf(CPU_ROW, 3, 1, 1, 1),
      "device topology        :",
      "device           node",
      "No device topology data available",
      "numa_info              :",
      "node:    memsize    memfree    distances",
      cPrintf(NODE_ROW, 0, 2048, 1000, 10) + ",20",
      cPrintf(NODE_ROW, 1, 2048, 2048, 20) + ",10",
      lines[at + 14],
    ]);
    expect(lines[at + 14]).toMatch(/^xen_major/);
    expect(formatInfo(INFO).split("\n")).not.toContain("cpu_topology           :");
  });
});
