import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSwitchableProxy, type SwitchableProxy } from "./support/proxy.js";
import { freePort } from "./support/ports.js";
import { waitUntil, type TestHost } from "./support/migration-cluster.js";
import { waitForSynced } from "./support/scheduler-cluster.js";
import {
  faultWhereNothingMoves,
  row,
  sleep,
  startHaCluster,
  TEST_HA_TIMEOUT_MS,
  waitForLiveset,
  type Guest,
  type HaCluster,
} from "./support/ha-cluster.js";
import {
  checksumOf,
  createGuest,
  listWithin,
  printFaultTable,
  startSampler,
  type FaultRow,
} from "./support/ha-faults.js";

/**
 * Partitions with real processes (docs/specs/ha.md): host pa4 reaches nats-server through one TCP
 * proxy and is reached by its peers (and the scheduler) through another, so either channel can be
 * cut alone. XAPI: cut from the statefile only, a host that still sees its peers survives; cut
 * from its peers, it is outside the liveset and fences its protected guests, which restart once.
 */
let ha: HaCluster;
let natsProxy: SwitchableProxy;
let peerProxy: SwitchableProxy;
let pa4: TestHost;
const rows: FaultRow[] = [];
const IDS = ["pa1", "pa2", "pa3", "pa4"];
const FAULT_TEST_TIMEOUT_MS = 150_000;

beforeAll(async () => {
  ha = await startHaCluster("pa", 8);
  natsProxy = await startSwitchableProxy("127.0.0.1", ha.cluster.nats.url.replace(/^nats:\/\//, ""));
  const port = await freePort("127.0.8.4");
  peerProxy = await startSwitchableProxy("127.0.0.1", `127.0.8.4:${port}`);
  pa4 = await ha.cluster.addHost({
    hostId: "pa4",
    listenHost: "127.0.8.4",
    natsUrl: `nats://${natsProxy.address}`,
    memoryMib: 1024,
    dom0MemoryMib: 256,
    extraArgs: ["--listen", `127.0.8.4:${port}`, "--advertise", peerProxy.address],
  });
  // A host takes protected guests only once it has read the cluster's HA setting and written its
  // lease (docs/specs/ha.md §4): wait for pa4 in the liveset before creating on it.
  await waitForLiveset(ha.cluster, IDS);
  for (const [name, haLevel, paused] of [
    ["pap4", "restart", false],
    ["pau4", undefined, false],
    ["paz4", "restart", true],
  ] as const) {
    const domain = await createGuest(pa4, name, { ...(haLevel ? { ha: haLevel } : {}), paused });
    const guest: Guest = { name, uuid: domain.uuid, hostId: "pa4", ha: haLevel, paused };
    ha.guests.push(guest);
    ha.origin.set(guest.uuid, "pa4");
    if (paused) ha.checksums.set(name, await checksumOf(pa4, name));
  }
  await waitForSynced(ha.cluster.scheduler, ["pap4", "pau4", "paz4"]);
  await waitForLiveset(ha.cluster, IDS);
}, 180_000);

afterAll(async () => {
  printFaultTable(`HA fault table (tests/ha-partition.test.ts, T = ${TEST_HA_TIMEOUT_MS / 1000} s)`, rows);
  await natsProxy?.close();
  await peerProxy?.close();
  await ha?.cluster.stop();
});

describe("partitions with HA on", () => {
  it(
    "a host cut from nats-server (broker and statefile) but not from its peers survives; nothing restarts",
    async () => {
      const cut = async () => {
        natsProxy.cut();
        await sleep(3 * TEST_HA_TIMEOUT_MS);
        natsProxy.heal();
      };
      rows.push(
        await faultWhereNothingMoves(
          ha,
          "host cut from the broker, not from its peers",
          cut,
          2 * TEST_HA_TIMEOUT_MS,
        ),
      );
      await waitForLiveset(ha.cluster, IDS);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    "a host cut from its peers but not from nats-server fences its protected guests; they restart elsewhere once",
    async () => {
      const moving = ha.guests.filter((g) => g.hostId === "pa4" && g.ha !== undefined);
      const stay = new Map(ha.guests.filter((g) => !moving.includes(g)).map((g) => [g.uuid, g.hostId]));
      const sampler = startSampler(ha.cluster.hosts, stay, ha.origin);
      peerProxy.cut();
      await waitUntil(() => moving.every((g) => sampler.report.firstElsewhereMs.has(g.uuid)), 60_000);
      const left = ((await listWithin(pa4, 5000)) ?? []).map((d) => d.name);
      expect(left, "pa4 fenced its protected guests, kept its unprotected one").toEqual(["pau4"]);
      peerProxy.heal();
      await waitForLiveset(ha.cluster, IDS);
      await sleep(2 * TEST_HA_TIMEOUT_MS);
      const report = await sampler.stop();
      expect(report.duplicates, "never two running copies").toEqual([]);
      expect(report.moved, "the other guests stayed").toEqual([]);
      for (const g of moving) {
        const copies = (await Promise.all(ha.cluster.hosts.map((h) => listWithin(h, 5000))))
          .flatMap((l) => l ?? [])
          .filter((d) => d.uuid === g.uuid);
        expect(
          copies.map((d) => d.name),
          `${g.name} runs once`,
        ).toEqual([g.name]);
      }
      rows.push(
        row(
          "host cut from its peers, not from the broker",
          ha,
          report,
          0,
          moving.length,
          "fenced its protected guests; restarted once elsewhere",
        ),
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
