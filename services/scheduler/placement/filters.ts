import { formatList, formatMib, formatRatio } from "./format.js";
import type { CpupoolState, HostState, PlacementContext, PlacementRequest } from "./model.js";

/** A host's first pool (libxl_cpupoolid_to_name of pool 0). */
const CPUPOOL0_NAME = "Pool-0";
import { prepareRequest, type PreparedRequest } from "./prepared.js";

/**
 * A host filter (Nova's BaseHostFilter): whether a host passes, and, only for a host that does
 * not, the reason. Keeping the two apart lets a refusal over thousands of hosts count them per
 * filter without writing thousands of sentences.
 */
export interface HostFilter {
  readonly name: string;
  passes(host: HostState, prepared: PreparedRequest): boolean;
  reason(host: HostState, prepared: PreparedRequest): string;
}

const GROUP_HOSTS_LISTED_MAX = 3;

/** Nova's ComputeFilter: the host is up and enabled. */
export const COMPUTE = {
  name: "compute",
  passes: (host) => host.up && host.enabled,
  reason: (host) => `${host.hostId} ${host.up ? "disabled" : "down"}`,
} as const satisfies HostFilter;

export const PINNED = {
  name: "pinned",
  passes: (host, { request }) => request.pinnedHostId === undefined || request.pinnedHostId === host.hostId,
  reason: (host, { request }) => `${host.hostId} is not the pinned host ${request.pinnedHostId}`,
} as const satisfies HostFilter;

export const EXCLUDED = {
  name: "excluded",
  passes: (host, { excludedHostIds }) => excludedHostIds === undefined || !excludedHostIds.has(host.hostId),
  reason: (host) => `${host.hostId} excluded by the request`,
} as const satisfies HostFilter;

/** HVM needs VT-x/AMD-V; PV and PVH run anywhere. */
export const HVM = {
  name: "hvm",
  passes: (host, { request }) => host.hvmCapable || request.type !== "hvm",
  reason: (host) => `${host.hostId} no HVM`,
} as const satisfies HostFilter;

/** The pool a request names: the host's pool of that name (a host without pools has only Pool-0). */
export function cpupoolOf(host: HostState, name: string): CpupoolState | undefined {
  if (host.cpupools === undefined)
    return name === CPUPOOL0_NAME
      ? { name, pcpuCount: host.pcpuCount, vcpusAllocated: host.vcpusAllocated }
      : undefined;
  return host.cpupools.find((pool) => pool.name === name);
}

/**
 * xl.cfg `pool=`: the host has a CPU pool of that name (libxl refuses "Illegal pool specified"
 * otherwise), and its vCPUs stay within ratio x the pool's pCPUs.
 */
export const CPUPOOL = {
  name: "cpupool",
  passes: (host, { request, cpuAllocationRatio }) => {
    if (request.cpupool === undefined) return true;
    const pool = cpupoolOf(host, request.cpupool);
    return pool !== undefined && cpuAllocationRatio * pool.pcpuCount - pool.vcpusAllocated >= request.vcpus;
  },
  reason: (host, { request, cpuAllocationRatio }) => {
    const pool = cpupoolOf(host, request.cpupool ?? "");
    if (pool === undefined) return `${host.hostId} has no cpupool "${request.cpupool}"`;
    return (
      `${host.hostId} cpupool ${pool.name} vcpus ${pool.vcpusAllocated + request.vcpus} > ` +
      `${formatRatio(cpuAllocationRatio)} x ${pool.pcpuCount} pCPUs`
    );
  },
} as const satisfies HostFilter;

/** Xen does not overcommit memory: the domain needs all of it free now. */
export const MEMORY = {
  name: "memory",
  passes: (host, { request }) => host.memoryFreeKib >= request.memoryKib,
  reason: (host, { request }) =>
    `${host.hostId} memory ${formatMib(host.memoryFreeKib)} MiB free < ${formatMib(request.memoryKib)} MiB`,
} as const satisfies HostFilter;

/** vCPUs a host can still take: ratio x pCPUs - allocated (Nova's VCPU inventory, allocation_ratio). */
export function vcpuHeadroom(host: HostState, cpuAllocationRatio: number): number {
  return cpuAllocationRatio * host.pcpuCount - host.vcpusAllocated;
}

/** vCPUs within ratio x pCPUs. The index stores vcpuHeadroom() and compares it the same way. */
export const VCPUS = {
  name: "vcpus",
  passes: (host, { request, cpuAllocationRatio }) => vcpuHeadroom(host, cpuAllocationRatio) >= request.vcpus,
  reason: (host, { request, cpuAllocationRatio }) =>
    `${host.hostId} vcpus ${host.vcpusAllocated + request.vcpus} > ${formatRatio(cpuAllocationRatio)} x ${host.pcpuCount} pCPUs`,
} as const satisfies HostFilter;

/** Nova's ServerGroupAffinityFilter: once the group runs somewhere, only there. */
export const AFFINITY = {
  name: "affinity",
  passes: (host, { affinityHostIds }) => affinityHostIds === undefined || affinityHostIds.has(host.hostId),
  reason: (host, { request, affinityHostIds }) =>
    `${host.hostId} not in affinity group "${request.affinityGroup}" ` +
    `(runs on ${formatList([...(affinityHostIds ?? [])], GROUP_HOSTS_LISTED_MAX)})`,
} as const satisfies HostFilter;

/** Nova's ServerGroupAntiAffinityFilter: never beside another member. */
export const ANTI_AFFINITY = {
  name: "anti-affinity",
  passes: (host, { antiAffinityHostIds }) =>
    antiAffinityHostIds === undefined || !antiAffinityHostIds.has(host.hostId),
  reason: (host, { request }) => `${host.hostId} runs anti-affinity group "${request.antiAffinityGroup}"`,
} as const satisfies HostFilter;

export const MIGRATIONS = {
  name: "migrations",
  passes: (host, { request }) => !request.countsAsMigration || host.migrationsInFlight < host.migrationsMax,
  reason: (host) =>
    `${host.hostId} migrations ${host.migrationsInFlight} in flight >= ${host.migrationsMax} max`,
} as const satisfies HostFilter;

/** In the order they run; a refused host is charged to the first filter that removes it. */
export const FILTERS = [
  COMPUTE,
  PINNED,
  EXCLUDED,
  HVM,
  MEMORY,
  VCPUS,
  CPUPOOL,
  AFFINITY,
  ANTI_AFFINITY,
  MIGRATIONS,
] as const;

export type FilterName = (typeof FILTERS)[number]["name"];

/** The index in FILTERS of the first filter that removes `host`, or -1 when it passes them all. */
export function firstFailingFilter(host: HostState, prepared: PreparedRequest): number {
  for (let i = 0; i < FILTERS.length; i++) {
    if (!(FILTERS[i] as HostFilter).passes(host, prepared)) return i;
  }
  return -1;
}

/** One filter as a plain function: undefined keeps the host, a string is why it is removed. */
export function runFilter(
  filter: HostFilter,
  host: HostState,
  request: PlacementRequest,
  ctx: PlacementContext,
): string | undefined {
  const prepared = prepareRequest(request, ctx);
  return filter.passes(host, prepared) ? undefined : filter.reason(host, prepared);
}
