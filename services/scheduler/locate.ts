import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { ToolstackError } from "../dom0/errors.js";
import { isProtocolName } from "../dom0/cluster-names.js";
import type { ClusterView, HostEntry } from "./cluster-view.js";

export interface LocatedDomain {
  host: HostEntry;
  domain: DomainInfo;
}

/**
 * The one guest `ref` (a name or a uuid) names among the hosts that are up. Names are unique in
 * the cluster, but a duplicate made before (or by a host without the store) must not be acted on
 * by guess: an ambiguous name is refused, naming every candidate's uuid. With `expectedHostId`
 * (an evacuation, an HA check) the guest must be on that host: one that moved is refused.
 */
export function locateDomain(view: ClusterView, ref: string, expectedHostId?: string): LocatedDomain {
  const matches: LocatedDomain[] = [];
  for (const host of view.upHosts())
    for (const domain of host.domains.values())
      if ((domain.uuid === ref || domain.name === ref) && !isProtocolName(domain.name))
        matches.push({ host, domain });
  const here = expectedHostId ? matches.filter((m) => m.host.hostId === expectedHostId) : matches;
  if (here.length === 0) {
    if (expectedHostId && matches.length > 0)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `${ref} is no longer on ${expectedHostId}: it runs on ${matches.map((m) => m.host.hostId).join(", ")}`,
      );
    throw new ToolstackError("NOT_FOUND", `no domain "${ref}" runs on any host that is up`);
  }
  if (here.length > 1)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `"${ref}" names ${here.length} domains (${here
        .map((m) => `uuid ${m.domain.uuid} on ${m.host.hostId}`)
        .join(", ")}): give the uuid`,
    );
  return here[0]!;
}
