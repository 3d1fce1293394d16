import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { domainsOf, waitUntil, type TestHost } from "./support/migration-cluster.js";
import { startSwitchableProxy, type SwitchableProxy } from "./support/proxy.js";
import {
  cfg,
  hostList,
  listAll,
  startSchedulerCluster,
  TEST_HEARTBEAT_MS,
  TEST_MISSED_HEARTBEATS,
  waitForHostsUp,
  waitForSynced,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";

const HOST_MEMORY = { memoryMib: 2048, dom0MemoryMib: 256 };
/** Hosts fence after 2 heartbeats of silence by default (services/host/main.ts). */
const FENCE_MS = 2 * TEST_HEARTBEAT_MS;
/** "Within a few seconds": declared down after the missed beats, then restarted. */
const RESTART_WITHIN_MS = 5000;
const SAMPLE_INTERVAL_MS = 40;

let cluster: SchedulerCluster;
let proxy: SwitchableProxy | undefined;

beforeAll(async () => {
  cluster = await startSchedulerCluster(
    ["a1", "a2", "a3"].map((hostId, i) => ({ hostId, listenHost: `127.0.3.${i + 1}`, ...HOST_MEMORY })),
  );
});

afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
});

async function createOn(host: TestHost, name: string, ha?: "restart" | "best-effort"): Promise<string> {
  const c = host.process.client;
  const configText = cfg(name, 64, ha ? { xsim_ha: ha, xsim_workload: "uniform:rate=200" } : {});
  const reply = await unaryCall(c.create.bind(c), {
    configText,
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
  return reply.domain?.uuid ?? "";
}

/** Where each named domain runs according to the scheduler, not counting `lostHostId`: name -> "host uuid". */
async function whereRunning(names: readonly string[], lostHostId: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const d of await listAll(cluster.scheduler)) {
    if (!d.domain || d.hostId === lostHostId || !names.includes(d.domain.name)) continue;
    found.set(d.domain.name, `${d.hostId} ${d.domain.uuid}`);
  }
  return found;
}

describe("HA", () => {
  it("restarts a killed host's HA domains on surviving hosts within seconds, and only those", async () => {
    const a1 = cluster.host("a1");
    const uuids = new Map<string, string>();
    for (const [name, ha] of [
      ["ha1", "restart"],
      ["ha2", "restart"],
      ["be1", "best-effort"],
      ["plain1", undefined],
    ] as const)
      uuids.set(name, await createOn(a1, name, ha));
    await waitForSynced(cluster.scheduler, [...uuids.keys()]);
    await a1.process.kill9();
    const killedAtMs = Date.now();
    const restarted = ["ha1", "ha2", "be1"];
    await waitUntil(
      async () => (await whereRunning(restarted, "a1")).size === restarted.length,
      RESTART_WITHIN_MS,
    );
    const elapsedMs = Date.now() - killedAtMs;
    expect(elapsedMs).toBeGreaterThan(TEST_MISSED_HEARTBEATS * TEST_HEARTBEAT_MS - TEST_HEARTBEAT_MS);
    const where = await whereRunning(restarted, "a1");
    for (const name of restarted) {
      const [hostId, uuid] = (where.get(name) ?? "").split(" ");
      expect(["a2", "a3"], name).toContain(hostId);
      expect(uuid, `${name} keeps its uuid`).toBe(uuids.get(name));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const host of [cluster.host("a2"), cluster.host("a3")])
      expect((await domainsOf(host)).map((d) => d.name)).not.toContain("plain1");
    expect((await hostList(cluster.scheduler)).find((h) => h.hostId === "a1")?.state).toBe("down");
  });

  it("a partitioned host fences itself; its HA domains run elsewhere, never two at once", async () => {
    const natsAddress = cluster.nats.url.replace(/^nats:\/\//, "");
    proxy = await startSwitchableProxy("127.0.0.1", natsAddress);
    const ap = await cluster.addHost({
      hostId: "aP",
      listenHost: "127.0.3.9",
      natsUrl: `nats://${proxy.address}`,
      ...HOST_MEMORY,
    });
    await waitForHostsUp(cluster.scheduler, ["aP"]);
    const names = ["fha1", "fha2", "fplain"];
    for (const name of names) await createOn(ap, name, name === "fplain" ? undefined : "restart");
    await waitForSynced(cluster.scheduler, names);
    const sampler = startSampler([cluster.host("a2"), cluster.host("a3"), ap]);
    try {
      proxy.cut();
      const cutAtMs = Date.now();
      await waitUntil(async () => (await domainsOf(ap)).every((d) => d.domid === 0), 2000);
      expect(Date.now() - cutAtMs).toBeLessThan(FENCE_MS + 1000);
      await waitUntil(async () => (await whereRunning(["fha1", "fha2"], "aP")).size === 2, RESTART_WITHIN_MS);
      const where = await whereRunning(["fha1", "fha2"], "aP");
      for (const name of ["fha1", "fha2"]) expect(where.get(name), name).toMatch(/^a[23] /);
      expect((await whereRunning(["fplain"], "")).size, "not HA: gone with the fence").toBe(0);

      proxy.heal();
      await waitForHostsUp(cluster.scheduler, ["aP"]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await domainsOf(ap)).filter((d) => d.domid !== 0)).toEqual([]);
      expect((await whereRunning(["fha1", "fha2"], "aP")).size).toBe(2);
    } finally {
      const { sampleCount, doubles } = await sampler.stop();
      expect(sampleCount).toBeGreaterThan(20);
      expect(doubles).toEqual([]);
    }
  });
});

/** Polls every host's List all along; notes any name or uuid seen on two hosts in one sample. */
function startSampler(hosts: readonly TestHost[]) {
  let running = true;
  let sampleCount = 0;
  const doubles: string[] = [];
  const loop = (async () => {
    while (running) {
      const lists = await Promise.all(hosts.map((h) => domainsOf(h).then((ds) => ({ h, ds }))));
      const seen = new Map<string, string>();
      for (const { h, ds } of lists) {
        for (const d of ds) {
          if (d.domid === 0) continue;
          for (const key of [d.uuid, d.name.replace(/--(incoming|migratedaway)$/, "")]) {
            const other = seen.get(key);
            if (other && other !== h.hostId) doubles.push(`${key} on ${other} and ${h.hostId}`);
            seen.set(key, h.hostId);
          }
        }
      }
      sampleCount++;
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { sampleCount, doubles };
    },
  };
}
