import { UnknownPolicyError } from "./errors.js";
import type { WeigherMultipliers } from "./weighers.js";

/** First-fit takes the first host that passes, in host-id order; a weighed policy takes the heaviest. */
export type PlacementPolicy =
  { kind: "first-fit"; name: string } | { kind: "weighed"; name: string; multipliers: WeigherMultipliers };

const NO_WEIGHERS: WeigherMultipliers = {
  freeMemory: 0,
  freeVcpus: 0,
  domainCount: 0,
  migrationsInFlight: 0,
};

/** Nova's default shape: the host with the most free memory. */
export const SPREAD: PlacementPolicy = {
  kind: "weighed",
  name: "spread",
  multipliers: { ...NO_WEIGHERS, freeMemory: 1 },
};

/** Best fit: the host with the least free memory that still fits. */
export const PACK: PlacementPolicy = {
  kind: "weighed",
  name: "pack",
  multipliers: { ...NO_WEIGHERS, freeMemory: -1 },
};

export const FIRST_FIT: PlacementPolicy = { kind: "first-fit", name: "first-fit" };

export const POLICIES = { spread: SPREAD, pack: PACK, "first-fit": FIRST_FIT } as const;

export type PolicyName = keyof typeof POLICIES;

export const DEFAULT_POLICY_NAME: PolicyName = "spread";

export function weighedPolicy(name: string, multipliers: Partial<WeigherMultipliers>): PlacementPolicy {
  return { kind: "weighed", name, multipliers: { ...NO_WEIGHERS, ...multipliers } };
}

/** A policy by name (as typed on the command line) or as given. */
export function resolvePolicy(policy: string | PlacementPolicy): PlacementPolicy {
  if (typeof policy !== "string") return policy;
  if (Object.hasOwn(POLICIES, policy)) return POLICIES[policy as PolicyName];
  throw new UnknownPolicyError(policy, Object.keys(POLICIES));
}
