import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { recordMembership, withPlacement } from "./apply.js";
import { PlacementEngine } from "./engine.js";
import { NoValidHostError } from "./errors.js";
import { GIB_IN_KIB as GIB, groups, hostState, placementRequest } from "./fixtures.js";
import { compareHostIds } from "./host-order.js";
import type { GuestType, HostState, PlacementRequest } from "./model.js";
import { place } from "./pipeline.js";
import { FIRST_FIT, PACK, SPREAD, weighedPolicy, type PlacementPolicy } from "./policies.js";

const GIB_KIB = 1024 * 1024;
/** Tiny buckets and chunks, so that clusters of <= 50 hosts span many of them. */
const TUNING = { bucketSizeMax: 4, chunkShift: 2 };
const SEED_COUNT = 60;
const STEP_COUNT = 80;
const HOST_COUNT_MAX = 50;

const POLICIES: readonly PlacementPolicy[] = [
  SPREAD,
  PACK,
  FIRST_FIT,
  weighedPolicy("spread x2.5", { freeMemory: 2.5 }),
  weighedPolicy("pack x0.5", { freeMemory: -0.5 }),
  weighedPolicy("nova-like", { freeMemory: 1, freeVcpus: 1, migrationsInFlight: -1 }),
  weighedPolicy("random", {}),
];

const pick = <T>(items: readonly T[], prng: Prng): T => items[prng.nextInt(items.length)] as T;

/** Coarse sizes, so that many hosts tie on free memory; small pCPU counts, so vCPUs run out. */
function randomHost(i: number, prng: Prng): HostState {
  const memoryTotalKib = pick([8, 16, 32], prng) * GIB_KIB;
  return {
    hostId: `h${i + 1}`,
    up: prng.nextFloat() > 0.1,
    enabled: prng.nextFloat() > 0.1,
    hvmCapable: prng.nextFloat() > 0.25,
    pcpuCount: pick([1, 2, 4], prng),
    memoryTotalKib,
    memoryFreeKib: memoryTotalKib - pick([0, 0, 0, 1, 2], prng) * GIB_KIB,
    vcpusAllocated: 0,
    domainCount: 0,
    migrationsInFlight: prng.nextInt(3),
    migrationsMax: 2,
  };
}

function randomRequest(step: number, hostCount: number, prng: Prng): PlacementRequest {
  const request: PlacementRequest = {
    name: `d${step}`,
    memoryKib: pick([1, 1, 2, 4, 8], prng) * GIB_KIB,
    vcpus: 1 + prng.nextInt(6),
    type: pick<GuestType>(["pv", "pvh", "hvm"], prng),
  };
  const hostId = () => `h${1 + prng.nextInt(hostCount + 2)}`; // sometimes a host that does not exist
  if (prng.nextFloat() < 0.3) request.antiAffinityGroup = pick(["a", "b", "c"], prng);
  if (prng.nextFloat() < 0.15) request.affinityGroup = pick(["x", "y"], prng);
  if (prng.nextFloat() < 0.05) request.pinnedHostId = hostId();
  if (prng.nextFloat() < 0.15) request.excludeHostIds = [hostId(), hostId()];
  if (prng.nextFloat() < 0.15) request.countsAsMigration = true;
  return request;
}

/** A heartbeat between placements: a host goes down or comes back, frees memory, starts a migration. */
function randomChange(host: HostState, prng: Prng): HostState {
  const draw = prng.nextInt(4);
  if (draw === 0) return { ...host, up: !host.up };
  if (draw === 1) return { ...host, enabled: !host.enabled };
  if (draw === 2)
    return { ...host, memoryFreeKib: Math.min(host.memoryTotalKib, host.memoryFreeKib + GIB_KIB) };
  return { ...host, migrationsInFlight: prng.nextInt(3) };
}

type Outcome = { hostId: string } | { refusal: string };

function outcome(run: () => { hostId: string }): Outcome {
  try {
    return run();
  } catch (error) {
    if (error instanceof NoValidHostError) return { refusal: error.message };
    throw error;
  }
}

/** Runs one seeded sequence through both engines; returns how many placements agreed. */
function compareOnSeed(seed: number, policy: PlacementPolicy): number {
  const prng = new Prng(seed);
  const hostCount = 1 + prng.nextInt(HOST_COUNT_MAX);
  let plainHosts = Array.from({ length: hostCount }, (_, i) => randomHost(i, prng));
  plainHosts.sort((a, b) => compareHostIds(a.hostId, b.hostId));
  const engine = new PlacementEngine(plainHosts, { tuning: TUNING });
  const hostIdsByGroup = new Map<string, Set<string>>();
  const fastPrng = new Prng(seed).fork(7);
  const plainPrng = new Prng(seed).fork(7);
  let agreed = 0;
  for (let step = 0; step < STEP_COUNT; step++) {
    if (prng.nextFloat() < 0.15) {
      const i = prng.nextInt(hostCount);
      const changed = randomChange(plainHosts[i] as HostState, prng);
      plainHosts = plainHosts.map((host, j) => (j === i ? changed : host));
      engine.upsertHost(changed);
      continue;
    }
    const request = randomRequest(step, hostCount, prng);
    const ctx = { hostIdsByGroup };
    const fast = outcome(() => engine.place(request, policy, ctx, fastPrng));
    const plain = outcome(() => place(plainHosts, request, policy, ctx, plainPrng));
    expect(fast, `seed ${seed} ${policy.name} step ${step}`).toEqual(plain);
    agreed++;
    if (!("hostId" in plain)) continue;
    const chosen = plainHosts.findIndex((host) => host.hostId === plain.hostId);
    const placed = withPlacement(plainHosts[chosen] as HostState, request);
    plainHosts = plainHosts.map((host, j) => (j === chosen ? placed : host));
    engine.upsertHost(placed);
    recordMembership(hostIdsByGroup, request, plain.hostId);
  }
  expect(engine.hosts()).toEqual(plainHosts);
  expect(fastPrng.nextU32(), "both consumed the PRNG alike").toBe(plainPrng.nextU32());
  return agreed;
}

describe("PlacementEngine", () => {
  it("chooses exactly as the plain pipeline, for every policy and seed", () => {
    let agreed = 0;
    for (const policy of POLICIES) {
      for (let seed = 1; seed <= SEED_COUNT; seed++) agreed += compareOnSeed(seed, policy);
    }
    expect(agreed).toBeGreaterThan(POLICIES.length * SEED_COUNT * STEP_COUNT * 0.7);
  });

  it("explains a refusal as the cluster was when it refused, though it changed since", () => {
    const engine = new PlacementEngine(
      [hostState("h1", { memoryFreeKib: 0 }), hostState("h2", { up: false })],
      {
        tuning: TUNING,
      },
    );
    let refusal: unknown;
    try {
      engine.place(placementRequest("web"), "spread", groups(), new Prng(1));
    } catch (error) {
      refusal = error;
    }
    engine.upsertHost(hostState("h1", { memoryFreeKib: 4 * GIB }));
    engine.upsertHost(hostState("h2"));
    expect(refusal).toBeInstanceOf(NoValidHostError);
    expect((refusal as NoValidHostError).message).toBe(
      'no host fits "web": h1 memory 0 MiB free < 1024 MiB; h2 down',
    );
    expect(String((refusal as NoValidHostError).stack)).toContain("h2 down");
    expect(engine.place(placementRequest("web"), "spread", groups(), new Prng(1)).hostId).toBe("h2");
  });

  it("takes in new hosts and forgets removed ones", () => {
    const engine = new PlacementEngine([hostState("h2")]);
    engine.upsertHost(hostState("h10", { memoryFreeKib: 6 * GIB }));
    engine.upsertHost(hostState("h1", { memoryFreeKib: 5 * GIB }));
    expect(engine.hosts().map((host) => host.hostId)).toEqual(["h1", "h2", "h10"]);
    expect(engine.place(placementRequest("web"), SPREAD, groups(), new Prng(1)).hostId).toBe("h10");
    engine.removeHost("h10");
    expect(engine.host("h10")).toBeUndefined();
    expect(engine.place(placementRequest("web"), SPREAD, groups(), new Prng(1)).hostId).toBe("h1");
    expect(engine.place(placementRequest("web"), FIRST_FIT, groups(), new Prng(1)).hostId).toBe("h1");
    expect(() => engine.removeHost("h10")).toThrow("no host h10");
  });

  it("keeps its own copy of the hosts it is given", () => {
    const h1 = hostState("h1");
    const engine = new PlacementEngine([h1]);
    h1.up = false;
    expect(engine.place(placementRequest("web"), SPREAD, groups(), new Prng(1)).hostId).toBe("h1");
  });

  it("refuses a cluster view that breaks its preconditions, loudly", () => {
    expect(() => new PlacementEngine([hostState("h1"), hostState("h1")])).toThrow("duplicate host ids");
    expect(() => new PlacementEngine([hostState("h1", { memoryFreeKib: 0.5 })])).toThrow("memoryFreeKib");
    expect(() => new PlacementEngine([hostState("h1", { pcpuCount: NaN })])).toThrow("pcpuCount");
    expect(() => new PlacementEngine([], { cpuAllocationRatio: 0 })).toThrow("ratio");
  });
});
