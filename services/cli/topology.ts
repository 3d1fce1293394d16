/**
 * The topology file of `xsim up --topology FILE` (docs/topology.md): the hosts of a cluster, each
 * with its own memory, pCPUs and HVM support, and the facts a datacenter-scale study also reads
 * (NUMA nodes, NIC bandwidth, rack). Pure: text in, a checked Topology out; errors name the field.
 */
import { parseMemSizeKib } from "./mem-size.js";
import { parseBytesPerSecond } from "../dom0/precopy/parse-bandwidth.js";

export const TOPOLOGY_VERSION = 1;
export const TOPOLOGY_HOST_COUNT_MAX = 64;
export const TOPOLOGY_PCPU_COUNT_MAX = 4096;
export const TOPOLOGY_NUMA_NODE_COUNT_MAX = 64;
const HOST_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
const KIB_PER_MIB = 1024;

export interface TopologyHost {
  id: string;
  memoryMib: number;
  pcpus: number;
  hvm: boolean;
  numaNodes: number;
  nicBytesPerSecond?: number;
  rack?: string;
}

export interface Topology {
  version: number;
  hosts: TopologyHost[];
}

export function parseTopology(text: string, fileName: string): Topology {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const root = value as { version?: unknown; hosts?: unknown };
  if (typeof root !== "object" || root === null) throw new Error(`${fileName}: expected an object`);
  if (root.version !== TOPOLOGY_VERSION) throw new Error(`${fileName}: version must be ${TOPOLOGY_VERSION}`);
  if (!Array.isArray(root.hosts) || root.hosts.length < 1 || root.hosts.length > TOPOLOGY_HOST_COUNT_MAX)
    throw new Error(`${fileName}: hosts must be a list of 1..${TOPOLOGY_HOST_COUNT_MAX} hosts`);
  const hosts = root.hosts.map((host: unknown, index) => parseHost(host, `${fileName}: hosts[${index}]`));
  const ids = hosts.map((h) => h.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`${fileName}: host id "${repeated}" appears twice`);
  return { version: TOPOLOGY_VERSION, hosts };
}

function parseHost(value: unknown, where: string): TopologyHost {
  if (typeof value !== "object" || value === null) throw new Error(`${where}: expected an object`);
  const host = value as Record<string, unknown>;
  const known = ["id", "memory", "pcpus", "hvm", "numa_nodes", "nic_bandwidth", "rack"];
  const unknown = Object.keys(host).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new Error(`${where}: unknown key "${unknown[0]}" (known: ${known.join(", ")})`);
  if (typeof host.id !== "string" || !HOST_ID_PATTERN.test(host.id))
    throw new Error(`${where}.id: a host id such as "host1" (lower case, digits, '-')`);
  if (typeof host.memory !== "string" && typeof host.memory !== "number")
    throw new Error(`${where}.memory: a size such as "16g" or 16384 (MiB)`);
  const memoryKib = parseMemSizeKib(String(host.memory), `${where}.memory`);
  if (memoryKib < KIB_PER_MIB) throw new Error(`${where}.memory: at least 1 MiB`);
  const result: TopologyHost = {
    id: host.id,
    memoryMib: Math.floor(memoryKib / KIB_PER_MIB),
    pcpus: count(host.pcpus, `${where}.pcpus`, TOPOLOGY_PCPU_COUNT_MAX, 8),
    hvm: host.hvm === undefined ? true : flag(host.hvm, `${where}.hvm`),
    numaNodes: count(host.numa_nodes, `${where}.numa_nodes`, TOPOLOGY_NUMA_NODE_COUNT_MAX, 1),
  };
  if (result.numaNodes > result.pcpus)
    throw new Error(
      `${where}.numa_nodes: ${result.numaNodes} nodes need as many pCPUs (pcpus is ${result.pcpus})`,
    );
  if (host.nic_bandwidth !== undefined)
    result.nicBytesPerSecond = bandwidth(host.nic_bandwidth, `${where}.nic_bandwidth`);
  if (host.rack !== undefined) {
    if (typeof host.rack !== "string" || host.rack === "") throw new Error(`${where}.rack: a non-empty name`);
    result.rack = host.rack;
  }
  return result;
}

function count(value: unknown, where: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${where}: a whole number in 1..${max}`);
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new Error(`${where}: true or false`);
  return value;
}

function bandwidth(value: unknown, where: string): number {
  if (typeof value !== "string") throw new Error(`${where}: a rate such as "10Gbit/s" or "1250MB/s"`);
  try {
    return parseBytesPerSecond(value);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}
