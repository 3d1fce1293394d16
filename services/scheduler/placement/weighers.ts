import { vcpuHeadroom } from "./filters.js";
import type { HostState } from "./model.js";

/** One multiplier per weigher; 0 switches a weigher off. Nova's `*_weight_multiplier` options. */
export interface WeigherMultipliers {
  /** > 0 spreads (prefers free memory), < 0 packs. Nova's RAMWeigher. */
  freeMemory: number;
  /** > 0 prefers free vCPUs. Nova's CPUWeigher. */
  freeVcpus: number;
  /** > 0 prefers busy hosts, < 0 spreads by count. Nova's NumInstancesWeigher. */
  domainCount: number;
  /** < 0 avoids hosts already migrating, as Nova's IoOpsWeigher (-1.0) avoids busy ones. */
  migrationsInFlight: number;
}

export type WeigherName = keyof WeigherMultipliers;

type RawWeight = (host: HostState, cpuAllocationRatio: number) => number;

const RAW_WEIGHTS: Readonly<Record<WeigherName, RawWeight>> = {
  freeMemory: (host) => host.memoryFreeKib,
  freeVcpus: vcpuHeadroom,
  domainCount: (host) => host.domainCount,
  migrationsInFlight: (host) => host.migrationsInFlight,
};

export const WEIGHER_NAMES = Object.keys(RAW_WEIGHTS) as readonly WeigherName[];

/**
 * nova/weights.py `normalize`: min-max to 0..1 over the hosts being weighed; when every value is
 * equal the range is 0 and all normalise to 0.
 */
export function normalizeMinMax(values: readonly number[]): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const range = max - min;
  if (range === 0) return values.map(() => 0);
  return values.map((value) => (value - min) / range);
}

/** Each host's weight: the sum over weighers of multiplier x normalised raw value (Nova's BaseWeightHandler). */
export function weighHosts(
  hosts: readonly HostState[],
  multipliers: WeigherMultipliers,
  cpuAllocationRatio: number,
): number[] {
  const totals = hosts.map(() => 0);
  for (const name of WEIGHER_NAMES) {
    const multiplier = multipliers[name];
    if (multiplier === 0) continue;
    const raw = RAW_WEIGHTS[name];
    const normalised = normalizeMinMax(hosts.map((host) => raw(host, cpuAllocationRatio)));
    normalised.forEach((weight, i) => {
      totals[i] = (totals[i] ?? 0) + multiplier * weight;
    });
  }
  return totals;
}
