import type { HostInfo } from "../gen/xensim/v1/host.js";

/**
 * What `xl info -n` adds after the physinfo keys (xl_info.c): output_topologyinfo ("%3d:    %4d
 * %4d     %4d" per cpu, then the PCI device topology, which xensim hosts have none of) and
 * output_numainfo ("%4d:    %6"PRIu64"     %6"PRIu64"      %d" then ",%d" per further distance).
 */
export function formatNumaLines(info: HostInfo): string[] {
  const pad = (value: number, width: number) => String(value).padStart(width);
  return [
    "cpu_topology           :",
    "cpu:    core    socket     node",
    ...info.cpuTopology.map(
      (c) => `${pad(c.cpu, 3)}:    ${pad(c.core, 4)}     ${pad(c.socket, 4)}     ${pad(c.node, 4)}`,
    ),
    "device topology        :",
    "device           node",
    "No device topology data available",
    "numa_info              :",
    "node:    memsize    memfree    distances",
    ...info.numaInfo.map(
      (n) =>
        `${pad(n.node, 4)}:    ${pad(n.memsizeMib, 6)}     ${pad(n.memfreeMib, 6)}      ${n.distances.join(",")}`,
    ),
  ];
}
