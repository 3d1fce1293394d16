import { afterAll, beforeAll, expect } from "vitest";
import { waitUntil, type TestHost } from "./migration-cluster.js";
import {
  startSchedulerCluster,
  waitForSynced,
  type SchedulerCluster,
  type SchedulerHostOptions,
} from "./scheduler-cluster.js";
import {
  checksumOf,
  createGuest,
  haEnable,
  haStatus,
  listWithin,
  printFaultTable,
  startSampler,
  type FaultRow,
  type SampleReport,
} from "./ha-faults.js";

/** T in the fault tests: short, as `ha-enable --allow-short-timeout` allows (3 s flaked on a loaded 2-core machine); margin T/2. */
export const TEST_HA_TIMEOUT_MS = 5000;
export const TEST_HA_RESTART_DEADLINE_MS = TEST_HA_TIMEOUT_MS * 1.5;

export interface Guest {
  name: string;
  uuid: string;
  hostId: string;
  ha: "restart" | "best-effort" | undefined;
  paused: boolean;
}

export interface HaCluster {
  cluster: SchedulerCluster;
  guests: Guest[];
  /** Checksums of the paused guests, taken before any fault. */
  checksums: Map<string, string>;
  origin: Map<string, string>;
  host(hostId: string): TestHost;
}

/**
 * Three hosts, the scheduler, HA on with T = TEST_HA_TIMEOUT_MS (unless `haOn` is false), and on
 * each host a protected guest `pN`, an unprotected `uN` and a paused protected `zN`.
 */
export async function startHaCluster(
  prefix: string,
  octet: number,
  haOn = true,
  hostOptions: (index: number) => Partial<SchedulerHostOptions> = () => ({}),
): Promise<HaCluster> {
  const ids = [1, 2, 3].map((i) => `${prefix}${i}`);
  const cluster = await startSchedulerCluster(
    ids.map((hostId, i) => ({
      hostId,
      listenHost: `127.0.${octet}.${i + 1}`,
      memoryMib: 1024,
      dom0MemoryMib: 256,
      ...hostOptions(i),
    })),
  );
  const guests: Guest[] = [];
  for (const [i, hostId] of ids.entries()) {
    const host = cluster.host(hostId);
    for (const [name, ha, paused] of [
      [`${prefix}p${i + 1}`, "restart", false],
      [`${prefix}u${i + 1}`, undefined, false],
      [`${prefix}z${i + 1}`, "restart", true],
    ] as const) {
      const domain = await createGuest(host, name, { ...(ha ? { ha } : {}), paused });
      guests.push({ name, uuid: domain.uuid, hostId, ha, paused });
    }
  }
  await waitForSynced(
    cluster.scheduler,
    guests.map((g) => g.name),
  );
  if (haOn) {
    await haEnable(cluster.scheduler, TEST_HA_TIMEOUT_MS);
    await waitForLiveset(cluster, ids);
  }
  const checksums = new Map<string, string>();
  for (const g of guests.filter((g) => g.paused))
    checksums.set(g.name, await checksumOf(cluster.host(g.hostId), g.name));
  return {
    cluster,
    guests,
    checksums,
    origin: new Map(guests.map((g) => [g.uuid, g.hostId])),
    host: (hostId) => cluster.host(hostId),
  };
}

/**
 * Waits until every host's lease is live, renewed while we watched, and lists at least half the
 * others as seen. Renewed: the scheduler showed it at one revision, then at another. A lease the
 * store kept from before a broker outage still reads `live`, and the scheduler, observing afresh
 * once the store answers, shows it with a small age, though its host has not renewed it yet: such
 * a host still refuses protected guests, an incoming migration among them (docs/specs/ha.md §4
 * rule 7). The renewal is the real condition that ends the refusal.
 */
export async function waitForLiveset(cluster: SchedulerCluster, ids: readonly string[]): Promise<void> {
  const explain = async (error: unknown) => {
    const state = await haStatus(cluster.scheduler);
    throw new Error(`${String(error)}: leases ${JSON.stringify(state.hosts)}`);
  };
  /** The revision each host's lease had when the scheduler first showed it to us. */
  const firstRevision = new Map<string, number>();
  await waitUntil(async () => {
    const state = await haStatus(cluster.scheduler);
    for (const lease of state.hosts)
      if (!firstRevision.has(lease.hostId)) firstRevision.set(lease.hostId, lease.revision);
    return ids.every((id) => {
      const lease = state.hosts.find((h) => h.hostId === id);
      const renewed = lease !== undefined && lease.revision !== firstRevision.get(id);
      // Each sees a majority of the others (a full mesh at one instant is too much to ask of a loaded machine).
      const seen = ids.filter((o) => o !== id && lease?.sees.includes(o)).length;
      return renewed && lease.state === "live" && 2 * seen >= ids.length - 1;
    });
  }, 30_000).catch(explain);
}

/** Runs `fault` with the sampler on; every guest must stay where it was. */
export async function faultWhereNothingMoves(
  ha: HaCluster,
  fault: string,
  run: () => Promise<void>,
  settleMs: number,
): Promise<FaultRow> {
  const stay = new Map(ha.guests.map((g) => [g.uuid, g.hostId]));
  const sampler = startSampler(ha.cluster.hosts, stay, ha.origin);
  await run();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const report = await sampler.stop();
  expect(report.sampleCount).toBeGreaterThan(5);
  expect(report.duplicates, `${fault}: guests that ran twice`).toEqual([]);
  expect(report.moved.join("; "), `${fault}: guests that left their host`).toBe("");
  const lost = await expectAllStill(ha);
  return row(fault, ha, report, lost, 0, "all stayed; paused checksums unchanged");
}

/** Every guest still on its host, paused ones with the same memory; returns how many are missing. */
export async function expectAllStill(ha: HaCluster): Promise<number> {
  let lost = 0;
  for (const g of ha.guests) {
    const list = (await listWithin(ha.host(g.hostId), 5000)) ?? [];
    const found = list.find((d) => d.uuid === g.uuid);
    if (!found) lost++;
    expect(found?.name, `${g.name} on ${g.hostId}`).toBe(g.name);
    if (g.paused) {
      expect(found?.state, `${g.name} stays paused`).toContain("p");
      expect(await checksumOf(ha.host(g.hostId), g.name), `${g.name}'s memory`).toBe(
        ha.checksums.get(g.name),
      );
    }
  }
  return lost;
}

export function row(
  fault: string,
  ha: HaCluster,
  report: SampleReport,
  lost: number,
  restarted: number,
  note: string,
): FaultRow {
  return { fault, guests: ha.guests.length, lost, duplicated: report.duplicates.length, restarted, note };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HA fault-test file's cluster and table: started before its tests, printed and stopped after. */
export interface HaFaultSuite {
  /** The cluster (set once beforeAll ran). */
  readonly ha: HaCluster;
  rows: FaultRow[];
  /** Lines printed after the table (e.g. measured restart times). */
  notes: string[];
}

/**
 * Registers the beforeAll/afterAll every HA fault-test file needs: startHaCluster(prefix, octet),
 * then the fault table titled with `file` and T, then the cluster stopped.
 */
export function haFaultSuite(file: string, prefix: string, octet: number): HaFaultSuite {
  let cluster: HaCluster | undefined;
  const suite: HaFaultSuite = {
    get ha(): HaCluster {
      if (!cluster) throw new Error("the HA cluster is not started (beforeAll failed?)");
      return cluster;
    },
    rows: [],
    notes: [],
  };
  beforeAll(async () => {
    cluster = await startHaCluster(prefix, octet);
  });
  afterAll(async () => {
    printFaultTable(`HA fault table (${file}, T = ${TEST_HA_TIMEOUT_MS / 1000} s)`, suite.rows);
    if (suite.notes.length > 0) process.stdout.write(`${suite.notes.join("\n")}\n`);
    await cluster?.cluster.stop();
  });
  return suite;
}

/** Each guest runs on exactly one host other than `from`, under its uuid. */
export async function expectEachOnceElsewhere(
  ha: HaCluster,
  guests: readonly Guest[],
  from: string,
): Promise<void> {
  const lists = await Promise.all(
    ha.cluster.hosts.filter((h) => h.hostId !== from).map((h) => listWithin(h, 5000)),
  );
  for (const g of guests) {
    const copies = lists.flatMap((l) => l ?? []).filter((d) => d.uuid === g.uuid);
    expect(
      copies.map((d) => d.name),
      `${g.name} once`,
    ).toEqual([g.name]);
  }
}

/** One line per guest: how long after `atMs` it first ran on another host (measured by the sampler). */
export function restartTimeLine(
  fault: string,
  guests: readonly Guest[],
  firstMs: ReadonlyMap<string, number>,
  atMs: number,
): string {
  return guests
    .map(
      (g) =>
        `  ${fault}: ${g.name} running elsewhere after ${(((firstMs.get(g.uuid) ?? atMs) - atMs) / 1000).toFixed(1)} s (measured)`,
    )
    .join("\n");
}
