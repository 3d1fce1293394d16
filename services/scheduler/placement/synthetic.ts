import type { Prng } from "../../core/prng.js";
import { GIB, KIB } from "../../core/units.js";
import type { GuestType, HostState, PlacementRequest } from "./model.js";

// Seeded clusters and domain streams for the benchmark and the property tests.

const GIB_IN_KIB = GIB / KIB;

/** Host models: memory, pCPUs (4 GiB per pCPU) and how common each is, small ones most. */
const HOST_MODELS = [
  { memoryGib: 64, pcpuCount: 16, weight: 30 },
  { memoryGib: 128, pcpuCount: 32, weight: 30 },
  { memoryGib: 192, pcpuCount: 48, weight: 10 },
  { memoryGib: 256, pcpuCount: 64, weight: 15 },
  { memoryGib: 384, pcpuCount: 96, weight: 8 },
  { memoryGib: 512, pcpuCount: 128, weight: 7 },
] as const;

/** Domain flavours, EC2-like: memory and vCPUs, and how common each is. */
const DOMAIN_FLAVOURS = [
  { memoryMib: 512, vcpus: 1, weight: 10 },
  { memoryMib: 1024, vcpus: 1, weight: 15 },
  { memoryMib: 2048, vcpus: 2, weight: 20 },
  { memoryMib: 4096, vcpus: 2, weight: 20 },
  { memoryMib: 8192, vcpus: 4, weight: 15 },
  { memoryMib: 16384, vcpus: 8, weight: 12 },
  { memoryMib: 32768, vcpus: 16, weight: 8 },
] as const;

const GUEST_TYPES = [
  { type: "pv", weight: 20 },
  { type: "pvh", weight: 50 },
  { type: "hvm", weight: 30 },
] as const satisfies readonly { type: GuestType; weight: number }[];

export const DOM0_MEMORY_KIB = 4 * GIB_IN_KIB;
export const HOST_WITHOUT_HVM_FRACTION = 0.1;
export const MIGRATIONS_MAX_PER_HOST = 2;
export const ANTI_AFFINITY_FRACTION = 0.1;
export const AFFINITY_FRACTION = 0.05;
/** Members per (anti-)affinity group: a new group starts every this many members. */
export const GROUP_SIZE = 3;

function weighted<T extends { weight: number }>(items: readonly T[], prng: Prng): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let draw = prng.nextInt(total);
  for (const item of items) {
    if (draw < item.weight) return item;
    draw -= item.weight;
  }
  throw new Error("weighted: no item drawn");
}

/** `count` empty hosts named h1..hN; a fraction cannot run HVM guests. */
export function syntheticHosts(count: number, prng: Prng): HostState[] {
  return Array.from({ length: count }, (_, i) => {
    const model = weighted(HOST_MODELS, prng);
    const memoryTotalKib = model.memoryGib * GIB_IN_KIB;
    return {
      hostId: `h${i + 1}`,
      up: true,
      enabled: true,
      hvmCapable: prng.nextFloat() >= HOST_WITHOUT_HVM_FRACTION,
      pcpuCount: model.pcpuCount,
      memoryTotalKib,
      memoryFreeKib: memoryTotalKib - DOM0_MEMORY_KIB,
      vcpusAllocated: 0,
      domainCount: 0,
      migrationsInFlight: 0,
      migrationsMax: MIGRATIONS_MAX_PER_HOST,
    };
  });
}

/** `count` domains d1..dN; some belong to anti-affinity or affinity groups of GROUP_SIZE. */
export function syntheticRequests(count: number, prng: Prng): PlacementRequest[] {
  let antiMembers = 0;
  let affinityMembers = 0;
  return Array.from({ length: count }, (_, i) => {
    const flavour = weighted(DOMAIN_FLAVOURS, prng);
    const request: PlacementRequest = {
      name: `d${i + 1}`,
      memoryKib: flavour.memoryMib * KIB,
      vcpus: flavour.vcpus,
      type: weighted(GUEST_TYPES, prng).type,
    };
    const draw = prng.nextFloat();
    if (draw < ANTI_AFFINITY_FRACTION)
      request.antiAffinityGroup = `anti${Math.floor(antiMembers++ / GROUP_SIZE)}`;
    else if (draw < ANTI_AFFINITY_FRACTION + AFFINITY_FRACTION)
      request.affinityGroup = `aff${Math.floor(affinityMembers++ / GROUP_SIZE)}`;
    return request;
  });
}
