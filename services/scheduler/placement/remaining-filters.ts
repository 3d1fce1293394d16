import { ANTI_AFFINITY, CPUPOOL, EXCLUDED, MIGRATIONS, VCPUS } from "./filters.js";
import type { HostState } from "./model.js";
import type { PreparedRequest } from "./prepared.js";

/**
 * The filters a host found through the engine's index has not passed by construction. The index
 * holds only hosts that are up and enabled (COMPUTE), HVM requests search HVM-capable hosts only
 * (HVM), scans stop at the first host short of memory (MEMORY), and a pinned host or a running
 * affinity group sends the engine down the plain path over that handful of hosts (PINNED,
 * AFFINITY). This applies the rest (CPUPOOL among them), with the filters' own predicates.
 */
export function remainingFilters(prepared: PreparedRequest): (host: HostState) => boolean {
  return (host) =>
    VCPUS.passes(host, prepared) &&
    CPUPOOL.passes(host, prepared) &&
    MIGRATIONS.passes(host, prepared) &&
    EXCLUDED.passes(host, prepared) &&
    ANTI_AFFINITY.passes(host, prepared);
}
