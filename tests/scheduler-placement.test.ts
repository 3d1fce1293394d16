import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { domainsOf, expectGrpcError, waitUntil, type TestHost } from "./support/migration-cluster.js";
import {
  cfg,
  createVia,
  hostList,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";

/** Small hosts (1024 MiB, 256 MiB of it Dom0's); p3 has no HVM. */
const HOSTS = [
  { hostId: "p1", listenHost: "127.0.2.1", memoryMib: 1024, dom0MemoryMib: 256 },
  { hostId: "p2", listenHost: "127.0.2.2", memoryMib: 1024, dom0MemoryMib: 256 },
  { hostId: "p3", listenHost: "127.0.2.3", memoryMib: 1024, dom0MemoryMib: 256, hvm: false },
];
/** More creates than the cluster can take, so the loop ends by refusal, not by this bound. */
const FILL_CREATE_COUNT_MAX = 20;

let cluster: SchedulerCluster;

beforeAll(async () => {
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
});

afterAll(async () => {
  await cluster?.stop();
});

afterEach(async () => {
  for (const host of cluster.hosts) {
    for (const domain of await domainsOf(host)) {
      if (domain.domid === 0) continue;
      const c = host.process.client;
      await unaryCall(c.destroy.bind(c), { domain: domain.name });
    }
  }
  // The hosts' next heartbeats tell the scheduler they are empty again.
  await waitUntil(async () => (await hostList(cluster.scheduler)).every((h) => h.domainCount === 1), 5000);
});

async function domUsOn(host: TestHost): Promise<string[]> {
  return (await domainsOf(host)).filter((d) => d.domid !== 0).map((d) => d.name);
}

describe("placement through the scheduler", () => {
  it("fills the cluster, then refuses with RESOURCE_EXHAUSTED naming each host's memory, leaving nothing half-made", async () => {
    const created: string[] = [];
    let refusal: Error | undefined;
    for (let i = 1; i <= FILL_CREATE_COUNT_MAX && !refusal; i++) {
      const name = `fill${i}`;
      await createVia(cluster.scheduler, cfg(name, 256)).then(
        (reply) => {
          expect(reply.domain?.name).toBe(name);
          created.push(name);
        },
        (error: Error) => (refusal = error),
      );
    }
    expect(created.length, `guests created before the refusal: ${refusal?.message}`).toBeGreaterThanOrEqual(
      HOSTS.length,
    );
    const refusedName = `fill${created.length + 1}`;
    const error = await expectGrpcError(
      Promise.reject(refusal ?? new Error("the cluster never refused")),
      status.RESOURCE_EXHAUSTED,
      `no host fits "${refusedName}"`,
    );
    for (const host of HOSTS)
      expect(error.details).toMatch(new RegExp(`${host.hostId} memory \\d+ MiB free < 256 MiB`));
    const everywhere = (await Promise.all(cluster.hosts.map(domUsOn))).flat().sort();
    expect(everywhere).toEqual([...created].sort());
    expect((await listAll(cluster.scheduler)).map((d) => d.domain?.name).sort()).toEqual([...created].sort());
  });

  it("places HVM guests only on HVM hosts", async () => {
    for (let i = 1; i <= 4; i++) {
      const reply = await createVia(cluster.scheduler, cfg(`hvm${i}`, 64, { type: "hvm" }));
      expect(reply.hostId, `hvm${i}`).not.toBe("p3");
    }
    expect(await domUsOn(cluster.host("p3"))).toEqual([]);
    const placed = (await Promise.all(["p1", "p2"].map((id) => domUsOn(cluster.host(id))))).flat();
    expect(placed.sort()).toEqual(["hvm1", "hvm2", "hvm3", "hvm4"]);
  });

  it("keeps an anti-affinity group on distinct hosts and refuses a member too many", async () => {
    const hosts: string[] = [];
    for (let i = 1; i <= HOSTS.length; i++) {
      const reply = await createVia(cluster.scheduler, cfg(`ring${i}`, 64, { xsim_anti_affinity: "ring" }));
      hosts.push(reply.hostId);
    }
    expect(new Set(hosts).size).toBe(HOSTS.length);
    await expectGrpcError(
      createVia(cluster.scheduler, cfg("ring9", 64, { xsim_anti_affinity: "ring" })),
      status.RESOURCE_EXHAUSTED,
      /p1 runs anti-affinity group "ring"; p2 runs anti-affinity group "ring"; p3 runs/,
    );
  });

  it("packs with `pack` and spreads with `spread`", async () => {
    const packed = [];
    for (let i = 1; i <= 3; i++)
      packed.push((await createVia(cluster.scheduler, cfg(`pk${i}`, 128), "pack")).hostId);
    expect(new Set(packed).size, `pack: ${packed.join(" ")}`).toBe(1);
    const spread = [];
    for (let i = 1; i <= 2; i++)
      spread.push((await createVia(cluster.scheduler, cfg(`sp${i}`, 128), "spread")).hostId);
    expect(new Set([...spread, packed[0]]).size, `spread: ${spread.join(" ")}`).toBe(3);
  });
});
