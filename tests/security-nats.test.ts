import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, Events, type ConnectionOptions, type NatsConnection } from "nats";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { encodeJson } from "../services/contracts/bus.js";
import { natsOptionsOf } from "../services/transport/tls/nats-client.js";
import { loadIdentity } from "../services/identity/pki.js";
import { guestConfig, sleepMs, waitUntil } from "./support/migration-cluster.js";
import {
  hostList,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";
import { memberIdentity, strangerPki } from "./support/attacker.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";

/**
 * Issue 11's NATS attacks against a secured cluster (real nats-server, hosts and scheduler): each
 * is refused, and the cluster's view stays as the real hosts made it.
 */
const HOSTS = [
  { hostId: "n1", listenHost: "127.0.3.1" },
  { hostId: "n2", listenHost: "127.0.3.2" },
];
const CONNECT_TIMEOUT_MS = 3000;
/** Long enough for several heartbeats (and a forged one's effect, had it any) to reach the scheduler. */
const SETTLE_MS = 4 * RELAXED_HEARTBEAT_MS;

let cluster: SchedulerCluster;
let stranger: ReturnType<typeof strangerPki>;
let natsProxy: TcpProxy;

beforeAll(async () => {
  stranger = strangerPki(["n1"]);
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
  natsProxy = await startTcpProxy("127.0.0.1", `127.0.0.1:${cluster.nats.port}`, true);
});

afterAll(async () => {
  await natsProxy?.close();
  await cluster?.stop();
  stranger?.remove();
});

function beat(hostId: string, address: string, extra: Record<string, unknown> = {}) {
  return {
    hostId,
    address,
    sequence: 1_000_000,
    timeMs: Date.now(),
    pcpus: 64,
    hvm: true,
    totalMemoryKib: 1 << 30,
    freeMemoryKib: 1 << 30,
    domainCount: 1,
    vcpusAllocated: 0,
    migrationsOutbound: 0,
    migrationsInbound: 0,
    intervalMs: RELAXED_HEARTBEAT_MS,
    ...extra,
  };
}

/** A connection with `options`, and the server's errors (permission violations) it was told of. */
async function connectAs(options: Partial<ConnectionOptions>) {
  const connection = await connect({ servers: cluster.nats.url, timeout: CONNECT_TIMEOUT_MS, ...options });
  const errors: string[] = [];
  void (async () => {
    for await (const s of connection.status())
      if (s.type === Events.Error) errors.push(JSON.stringify(s.data));
  })();
  return { connection, errors };
}

async function refusedConnect(options: Partial<ConnectionOptions>): Promise<string> {
  return connect({
    servers: cluster.nats.url,
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: 0,
    ...options,
  }).then(
    async (connection: NatsConnection) => {
      await connection.close();
      return "connected";
    },
    (error: Error & { code?: string }) => error.code ?? error.message,
  );
}

async function hostsSeen(): Promise<Map<string, string>> {
  return new Map((await hostList(cluster.scheduler)).map((h) => [h.hostId, h.address]));
}

describe("NATS refuses whoever has no cluster credentials", () => {
  it("refuses an anonymous client, a TLS client without a certificate, and one from another CA", async () => {
    const ca = memberIdentity("operator", "operator").caPem;
    expect(await refusedConnect({})).not.toBe("connected");
    expect(await refusedConnect({ tls: { ca } })).not.toBe("connected");
    const foreign = loadIdentity(stranger.dir, "host", "n1");
    expect(await refusedConnect({ tls: { ca, cert: foreign.certPem, key: foreign.keyPem } })).not.toBe(
      "connected",
    );
  });
});

describe("a member publishes only as itself", () => {
  it("refuses a heartbeat for a host that does not exist and for another real host", async () => {
    const before = await hostsSeen();
    const n1 = await connectAs(natsOptionsOf(memberIdentity("host", "n1")));
    n1.connection.publish("xsim.host.ghost.heartbeat", encodeJson(beat("ghost", "127.0.3.99:1")));
    n1.connection.publish("xsim.host.n2.heartbeat", encodeJson(beat("n2", "127.0.3.99:1")));
    await n1.connection.flush();
    await waitUntil(() => n1.errors.length >= 2, 5000);
    expect(n1.errors.join("\n")).toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/i);
    await sleepMs(SETTLE_MS);
    const after = await hostsSeen();
    expect([...after.keys()].sort()).toEqual(["n1", "n2"]);
    expect(after.get("n2")).toBe(before.get("n2"));
    await n1.connection.close();
  });

  it("drops (and logs) a heartbeat on a host's own subject that names another host or impossible values", async () => {
    const before = await hostsSeen();
    const n1 = await connectAs(natsOptionsOf(memberIdentity("host", "n1")));
    n1.connection.publish("xsim.host.n1.heartbeat", encodeJson(beat("n2", "127.0.3.99:1")));
    n1.connection.publish(
      "xsim.host.n1.heartbeat",
      encodeJson(beat("n1", before.get("n1") ?? "", { intervalMs: 0 })),
    );
    await n1.connection.flush();
    await waitUntil(
      () =>
        /dropped a heartbeat on xsim\.host\.n1\.heartbeat: the payload names host "n2"/.test(
          cluster.scheduler.log(),
        ),
      5000,
    );
    await sleepMs(SETTLE_MS);
    expect(await hostsSeen()).toEqual(before);
    expect(n1.errors).toEqual([]);
    await n1.connection.close();
  });

  it("lets the operator read the cluster's events but publish nothing", async () => {
    const operator = await connectAs(natsOptionsOf(memberIdentity("operator", "operator")));
    operator.connection.publish("xsim.host.ghost.heartbeat", encodeJson(beat("ghost", "127.0.3.99:1")));
    await operator.connection.flush();
    await waitUntil(() => operator.errors.length >= 1, 5000);
    expect(operator.errors.join("\n")).toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/i);
    await operator.connection.close();
  });
});

describe("no one reads what is not theirs", () => {
  it("refuses a subscription to > (and a host's to others' migrations), delivering nothing", async () => {
    for (const identity of [memberIdentity("host", "n1"), memberIdentity("operator", "operator")]) {
      const client = await connectAs(natsOptionsOf(identity));
      let received = 0;
      client.connection.subscribe(">", { callback: (error) => (error ? undefined : received++) });
      if (identity.role === "host")
        client.connection.subscribe("xsim.migration.>", {
          callback: (error) => (error ? undefined : received++),
        });
      await client.connection.flush();
      await waitUntil(() => client.errors.length >= 1, 5000);
      await sleepMs(SETTLE_MS);
      expect(client.errors.join("\n")).toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/i);
      expect(received, `${identity.role} received messages on >`).toBe(0);
      await client.connection.close();
    }
  });
});

describe("on the wire", () => {
  it("carries a host's heartbeats and domain events encrypted: no names or fields readable", async () => {
    const n3 = await cluster.addHost({
      hostId: "n3",
      listenHost: "127.0.3.3",
      natsUrl: `nats://${natsProxy.address}`,
    });
    const c = n3.process.client;
    await unaryCall(c.create.bind(c), {
      configText: guestConfig("wire-secret-guest", 16, "idle"),
      configFileName: "wire.cfg",
      configJson: "",
      overrides: [],
      paused: false,
    });
    // The scheduler learnt of it: the event crossed the proxy.
    await waitUntil(
      async () => (await listAll(cluster.scheduler)).some((d) => d.domain?.name === "wire-secret-guest"),
      10_000,
    );
    const wire = natsProxy.captured();
    expect(wire.length).toBeGreaterThan(1000);
    for (const plain of ["wire-secret-guest", "heartbeat", "totalMemoryKib", "xsim.host.n3", "PUB "])
      expect(wire.includes(Buffer.from(plain)), `"${plain}" readable on the wire`).toBe(false);
  });
});
