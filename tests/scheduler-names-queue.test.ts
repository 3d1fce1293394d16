import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status, type ServiceError } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import type { MigrateEvent } from "../services/gen/xensim/v1/migration.js";
import { MIGRATION_QUEUE_LENGTH_MAX } from "../services/scheduler/migration-slots.js";
import { OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT } from "../services/dom0/migrate/migration-manager.js";
import {
  checksumOf,
  createFilledGuest,
  domainsOf,
  expectGrpcError,
  startMigration,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import {
  cfg,
  createVia,
  evacuateVia,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForSynced,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";
import type { SchedulerProcess } from "./support/scheduler-process.js";

/**
 * Names unique in the cluster and guests known by uuid, with real processes (issue 9 item 2):
 * duplicate names through the scheduler and with -H, an evacuation that must not touch a guest
 * moved between its plan and its act, and more migrations than a host's limit through the
 * scheduler's queue. Every guest runs exactly once, its memory unchanged.
 */
const HOSTS = ["nq1", "nq2", "nq3"].map((hostId, i) => ({
  hostId,
  listenHost: `127.0.13.${i + 1}`,
  memoryMib: 2048,
  dom0MemoryMib: 256,
}));
/** 16 MiB at 4 MB/s: about 4 s a migration, time to act in the middle. */
const SLOW_BANDWIDTH = "4MB/s";
const GUEST_MEMORY_MIB = 16;

let cluster: SchedulerCluster;

beforeAll(async () => {
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
});

afterAll(async () => {
  await cluster?.stop();
});

function createOn(host: TestHost, name: string): Promise<unknown> {
  const c = host.process.client;
  return unaryCall(c.create.bind(c), {
    configText: cfg(name, GUEST_MEMORY_MIB),
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
}

/** The hosts (by id) that run a domain of this name, and its uuids there. */
async function whereRuns(name: string): Promise<{ hostId: string; uuid: string; domid: number }[]> {
  const found = [];
  for (const host of cluster.hosts)
    for (const d of await domainsOf(host))
      if (d.name === name) found.push({ hostId: host.hostId, uuid: d.uuid, domid: d.domid });
  return found;
}

/** Each named guest runs on exactly one host, with the memory checksum it had. */
async function expectEachOnceWithSum(sums: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, sum] of sums) {
    const where = await whereRuns(name);
    expect(
      where.map((w) => w.hostId),
      `hosts running ${name}`,
    ).toHaveLength(1);
    expect(await checksumOf(cluster.host(where[0]?.hostId ?? ""), name), `memory of ${name}`).toBe(sum);
  }
}

/** Idle, filled guests on `host`: their checksums stay put unless something copies them wrong. */
async function filledGuests(host: TestHost, names: readonly string[]): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  for (const name of names) sums.set(name, await createFilledGuest(host, name, GUEST_MEMORY_MIB, "idle"));
  return sums;
}

/** A migration through the scheduler: its final event, or the gRPC error it ended with. */
type Outcome = { kind: "event"; event: MigrateEvent } | { kind: "error"; error: ServiceError };

function migrateVia(scheduler: SchedulerProcess, domain: string): Promise<Outcome> {
  const call = scheduler.client.migrate({
    domain,
    destinationHostId: "",
    policy: "xen",
    live: true,
    bandwidth: SLOW_BANDWIDTH,
    downtimeLimitMs: 0,
    autoConverge: false,
    pausedAtDestination: false,
  });
  return new Promise((resolve) => {
    let last: MigrateEvent | undefined;
    call.on("data", (event: MigrateEvent) => (last = event));
    call.on("error", (error: ServiceError) => resolve({ kind: "error", error }));
    call.on("end", () =>
      resolve(
        last
          ? { kind: "event", event: last }
          : { kind: "error", error: { code: status.UNKNOWN, details: "no event" } as ServiceError },
      ),
    );
  });
}

describe("names unique in the cluster, with real processes", () => {
  it("refuses a second guest of a name through the scheduler and with -H, and all-digit names", async () => {
    await createVia(cluster.scheduler, cfg("web", GUEST_MEMORY_MIB));
    const [first] = await whereRuns("web");
    const other = cluster.hosts.find((h) => h.hostId !== first?.hostId);
    if (!first || !other) throw new Error("web was not created");
    await expectGrpcError(
      createOn(other, "web"),
      status.ALREADY_EXISTS,
      `uuid ${first.uuid} on ${first.hostId}`,
    );
    await expectGrpcError(
      createVia(cluster.scheduler, cfg("web", GUEST_MEMORY_MIB)),
      status.ALREADY_EXISTS,
      /"web"/,
    );
    await expectGrpcError(createOn(other, "42"), status.INVALID_ARGUMENT, /all digits/);
    expect(await whereRuns("web")).toEqual([first]);
    expect(await whereRuns("42")).toEqual([]);
  });

  it("of three hosts creating one name at once with -H, exactly one succeeds", async () => {
    const outcomes = await Promise.allSettled(cluster.hosts.map((h) => createOn(h, "race")));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === "rejected") expect((o.reason as ServiceError).code).toBe(status.ALREADY_EXISTS);
    expect(await whereRuns("race")).toHaveLength(1);
  });
});

describe("an evacuation acts on (uuid, host)", () => {
  it("does not touch a guest moved to another host between its plan and its act", async () => {
    const sums = await filledGuests(cluster.host("nq1"), ["ev1", "ev2", "ev3"]);
    await waitForSynced(cluster.scheduler, [...sums.keys()]);
    const run = evacuateVia(cluster.scheduler, { hostId: "nq1", bandwidth: SLOW_BANDWIDTH, parallel: 1 });
    run.done.catch(() => undefined);
    await waitUntil(() => run.events.some((e) => e.kind === "migrate"), 30_000);
    // The evacuation planned all three; one of those not yet moving leaves by hand, with -H.
    const moving = run.events.find((e) => e.kind === "migrate")?.domain;
    const byHand = ["ev3", "ev2", "ev1"].find((n) => n !== moving) ?? "";
    const nq3 = cluster.host("nq3");
    const manual = startMigration(cluster.host("nq1"), { domain: byHand, destination: nq3.address });
    expect((await manual.done).status).toBe("completed");
    const [placed] = await whereRuns(byHand);
    expect(placed?.hostId).toBe("nq3");
    expect(await run.done, JSON.stringify(run.events)).toBe(true);
    expect((await domainsOf(cluster.host("nq1"))).map((d) => d.name)).toEqual(["Domain-0"]);
    // The guest moved by hand stayed where it was put: same host, same domid, not migrated again.
    expect(await whereRuns(byHand)).toEqual([placed]);
    const migratedByEvacuation = run.events.filter((e) => e.kind === "migrate" && e.ok).map((e) => e.domain);
    expect(migratedByEvacuation).not.toContain(byHand);
    await expectEachOnceWithSum(sums);
  });
});

describe("the scheduler's migration queue", () => {
  it("runs more migrations from one host than its limit: each completes or is refused cleanly, none lost", async () => {
    const c = cluster.scheduler.client;
    await unaryCall(c.hostEnable.bind(c), { hostId: "nq1" });
    const names = ["mq1", "mq2", "mq3", "mq4", "mq5", "mq6"];
    expect(names.length).toBeGreaterThan(OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT);
    expect(names.length).toBeLessThanOrEqual(MIGRATION_QUEUE_LENGTH_MAX);
    const sums = await filledGuests(cluster.host("nq2"), names);
    await waitForSynced(cluster.scheduler, names);
    const outcomes = await Promise.all(names.map((name) => migrateVia(cluster.scheduler, name)));
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.kind === "event") expect(outcome.event.stats?.status, names[i]).toBe("completed");
      else
        expect(status[outcome.error.code], `${names[i]}: ${outcome.error.details}`).toBe(
          "RESOURCE_EXHAUSTED",
        );
    }
    const completed = outcomes.filter((o) => o.kind === "event").length;
    expect(completed, "the queue holds them all (its bound is far above 6)").toBe(names.length);
    expect(cluster.scheduler.log()).not.toMatch(/internal error/);
    for (const name of names) expect((await whereRuns(name))[0]?.hostId, name).not.toBe("nq2");
    await expectEachOnceWithSum(sums);
  });
});
