import type { Prng } from "../../core/prng.js";
import { firstFailingFilter } from "./filters.js";
import { compareHostIds } from "./host-order.js";
import type { HostState, Placement, PlacementContext, PlacementRequest } from "./model.js";
import { resolvePolicy, type PlacementPolicy } from "./policies.js";
import { prepareRequest, type PreparedRequest } from "./prepared.js";
import { NoValidHostError } from "./errors.js";
import { explainRefusal } from "./refusal.js";
import { pickTied } from "./tie-break.js";
import { validateRequest } from "./validate.js";
import { weighHosts } from "./weighers.js";

// The plain pipeline, Nova's FilterScheduler shape: filter every host, weigh every survivor.
// O(hosts) per placement and obviously correct; the indexed engine is checked against it.

/** The hosts that pass every filter, in the order given. */
export function survivors(hosts: readonly HostState[], prepared: PreparedRequest): HostState[] {
  return hosts.filter((host) => firstFailingFilter(host, prepared) < 0);
}

/** The policy's choice among hosts that all passed the filters. The input order does not matter. */
export function chooseAmong(
  passed: readonly HostState[],
  policy: PlacementPolicy,
  cpuAllocationRatio: number,
  prng: Prng,
): HostState {
  if (passed.length === 0) throw new Error("chooseAmong: no host passed");
  if (policy.kind === "first-fit")
    return passed.reduce((a, b) => (compareHostIds(a.hostId, b.hostId) <= 0 ? a : b));
  const weights = weighHosts(passed, policy.multipliers, cpuAllocationRatio);
  let weightMax = -Infinity;
  for (const weight of weights) weightMax = Math.max(weightMax, weight);
  const tied = passed.filter((_, i) => weights[i] === weightMax);
  tied.sort((a, b) => compareHostIds(a.hostId, b.hostId));
  return pickTied(tied, prng);
}

/**
 * Chooses a host for `request`, or throws NoValidHostError naming the filter that removed each
 * host (in the order given). `policy` is a name ("spread", "pack", "first-fit") or a PlacementPolicy.
 */
export function place(
  hosts: readonly HostState[],
  request: PlacementRequest,
  policy: string | PlacementPolicy,
  ctx: PlacementContext,
  prng: Prng,
): Placement {
  validateRequest(request);
  const resolved = resolvePolicy(policy);
  const prepared = prepareRequest(request, ctx);
  const passed = survivors(hosts, prepared);
  if (passed.length === 0) {
    const refusal = explainRefusal(hosts, prepared);
    throw new NoValidHostError(request.name, () => refusal);
  }
  return { hostId: chooseAmong(passed, resolved, prepared.cpuAllocationRatio, prng).hostId };
}
