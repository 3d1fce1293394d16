import type { HostState } from "./model.js";
import type { PlacementPolicy } from "./policies.js";

/**
 * Free memory the engine accepts per host: 2^40 KiB (1 PiB). Below it, min-max normalisation maps
 * distinct free-memory values to distinct weights, which the index relies on.
 */
export const HOST_MEMORY_KIB_MAX = 2 ** 40;
/** Free-memory multipliers the index orders exactly; others take the plain path. */
const MULTIPLIER_MAGNITUDE_MIN = 2 ** -100;
const MULTIPLIER_MAGNITUDE_MAX = 2 ** 100;

/**
 * +1 when the policy's only weigher is free memory with a positive multiplier (spread: most free
 * memory wins), -1 when negative (pack), 0 when the index cannot order it.
 */
export function indexedDirection(policy: PlacementPolicy): 1 | -1 | 0 {
  if (policy.kind !== "weighed") return 0;
  const { freeMemory, freeVcpus, domainCount, migrationsInFlight } = policy.multipliers;
  if (freeVcpus !== 0 || domainCount !== 0 || migrationsInFlight !== 0) return 0;
  const magnitude = Math.abs(freeMemory);
  if (!(magnitude >= MULTIPLIER_MAGNITUDE_MIN && magnitude <= MULTIPLIER_MAGNITUDE_MAX)) return 0;
  return freeMemory > 0 ? 1 : -1;
}

/** The engine's own precondition on the cluster view it is given: a bad view is a bug upstream. */
export function validateHost(host: HostState): void {
  const free = host.memoryFreeKib;
  if (!(Number.isSafeInteger(free) && free >= 0 && free <= HOST_MEMORY_KIB_MAX))
    throw new Error(`PlacementEngine: ${host.hostId} memoryFreeKib ${free} not an integer in 0..2^40`);
  if (!host.hostId) throw new Error("PlacementEngine: a host without an id");
  for (const field of [
    "pcpuCount",
    "vcpusAllocated",
    "domainCount",
    "migrationsInFlight",
    "migrationsMax",
  ] as const) {
    if (!Number.isFinite(host[field]))
      throw new Error(`PlacementEngine: ${host.hostId} ${field} ${host[field]}`);
  }
}
