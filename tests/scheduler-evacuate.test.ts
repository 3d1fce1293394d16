import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsAs } from "./support/test-pki.js";
import { connect, type NatsConnection } from "nats";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { NatsKvStore } from "../services/transport/kv/nats-kv-store.js";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  domainsOf,
  setWorkload,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import {
  evacuateVia,
  hostList,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForHostsUp,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";

const HOSTS = ["e1", "e2", "e3"].map((hostId, i) => ({
  hostId,
  listenHost: `127.0.4.${i + 1}`,
  memoryMib: 2048,
  dom0MemoryMib: 256,
}));
const GUEST_MEMORY_MIB = 16;
/** 16 MiB at 4 MB/s: about 4 s per migration, long enough to kill the scheduler in the middle. */
const SLOW_BANDWIDTH = "4MB/s";
const OP_KEY = "op.evacuate.e1";

let cluster: SchedulerCluster;
let nats: NatsConnection;
let store: NatsKvStore;

beforeAll(async () => {
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
  // The test reads and writes the scheduler's state as the scheduler does.
  nats = await connect({ servers: cluster.nats.url, ...natsOptionsAs("scheduler", "scheduler") });
  store = await NatsKvStore.open(nats);
});

afterAll(async () => {
  await nats?.close();
  await cluster?.stop();
});

/** Fills guests on `host` with running workloads, then idles them and returns their checksums. */
async function busyGuests(host: TestHost, names: readonly string[]): Promise<Map<string, string>> {
  for (const name of names) await createFilledGuest(host, name, GUEST_MEMORY_MIB, "uniform:rate=500");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sums = new Map<string, string>();
  for (const name of names) {
    await setWorkload(host, name, "idle");
    sums.set(name, await checksumOf(host, name));
  }
  return sums;
}

/** Each guest runs on exactly one host, under its own name, with its memory unchanged. */
async function expectEachOnceWithSum(sums: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, sum] of sums) {
    const owners: TestHost[] = [];
    for (const host of cluster.hosts) {
      const copies = await copiesOn(host, name);
      expect(
        copies.filter((n) => n !== name),
        `${name} leftovers on ${host.hostId}`,
      ).toEqual([]);
      if (copies.includes(name)) owners.push(host);
    }
    expect(
      owners.map((h) => h.hostId),
      `hosts running ${name}`,
    ).toHaveLength(1);
    expect(await checksumOf(owners[0]!, name), `memory of ${name}`).toBe(sum);
  }
}

async function expectEmptyAndDisabled(hostId: string): Promise<void> {
  expect((await domainsOf(cluster.host(hostId))).map((d) => d.name)).toEqual(["Domain-0"]);
  expect((await hostList(cluster.scheduler)).find((h) => h.hostId === hostId)?.state).toBe("disabled");
}

describe("host evacuation", () => {
  it("moves every running guest off with its memory unchanged; the host ends empty and disabled", async () => {
    const sums = await busyGuests(cluster.host("e1"), ["ev1", "ev2", "ev3"]);
    const run = evacuateVia(cluster.scheduler, { hostId: "e1" });
    expect(await run.done, run.events.at(-1)?.message).toBe(true);
    const moved = run.events.filter((e) => e.kind === "migrate" && e.ok).map((e) => e.domain);
    const why = `${JSON.stringify(run.events)}\n${cluster.scheduler.log()}`;
    expect(moved.sort(), why).toEqual(["ev1", "ev2", "ev3"]);
    await expectEmptyAndDisabled("e1");
    await expectEachOnceWithSum(sums);
    const onHosts = (await listAll(cluster.scheduler)).filter((d) => sums.has(d.domain?.name ?? ""));
    expect(onHosts.map((d) => d.hostId).every((id) => id === "e2" || id === "e3")).toBe(true);
  });

  it("is finished by a new scheduler after the old one is killed in the middle", async () => {
    const c = cluster.scheduler.client;
    await unaryCall(c.hostEnable.bind(c), { hostId: "e1" });
    const names = ["mid1", "mid2", "mid3", "mid4", "mid5"];
    const sums = await busyGuests(cluster.host("e1"), names);
    const run = evacuateVia(cluster.scheduler, { hostId: "e1", bandwidth: SLOW_BANDWIDTH });
    run.done.catch(() => undefined);
    let inFlightMax = 0;
    await waitUntil(async () => {
      const e1 = (await hostList(cluster.scheduler)).find((h) => h.hostId === "e1");
      inFlightMax = Math.max(inFlightMax, e1?.migrationsInFlight ?? 0);
      return run.events.some((e) => e.kind === "migrate" && e.ok);
    }, 20_000);
    expect(inFlightMax, "heartbeats count the migrations in flight").toBeGreaterThan(0);
    await cluster.scheduler.kill9();
    const left = (await domainsOf(cluster.host("e1"))).filter((d) => d.domid !== 0);
    expect(left.length, "killed with guests still to move").toBeGreaterThan(0);
    expect(await store.get(OP_KEY), "the operation outlives the scheduler").toBeDefined();

    const scheduler = await cluster.startScheduler();
    await waitForHostsUp(scheduler, ["e2", "e3"]);
    await waitUntil(async () => (await store.get(OP_KEY)) === undefined, 40_000);
    expect(scheduler.log()).toContain("resuming the evacuation of e1");
    await expectEmptyAndDisabled("e1");
    await expectEachOnceWithSum(sums);
  });
});
