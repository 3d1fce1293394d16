import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Server, status } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { SchedulerClient } from "../services/gen/xensim/v1/scheduler.js";
import { MigrationService } from "../services/gen/xensim/v1/migration.js";
import { FaultInjectionClient } from "../services/gen/xensim/v1/fault.js";
import { HaPeerClient } from "../services/gen/xensim/v1/ha.js";
import { loadIdentity } from "../services/identity/pki.js";
import { clusterServerCredentials } from "../services/transport/tls/grpc-credentials.js";
import {
  createFilledGuest,
  domainOn,
  expectGrpcError,
  startMigration,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import {
  cfg,
  createVia,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForHostsUp,
  type SchedulerCluster,
} from "./support/scheduler-cluster.js";
import {
  channelCredentialsPosingAs,
  hostClientPosingAs,
  migrationClientPosingAs,
  strangerPki,
  type Posing,
} from "./support/attacker.js";
import { testStateRoot } from "./support/host-process.js";
import { CLUSTER_TLS_SERVER_NAME } from "../services/transport/tls/cluster-credentials.js";

/**
 * Issue 11's gRPC attacks against a secured cluster (real hosts and scheduler, mutual TLS): each
 * is refused with a clear status, and what members may do still works.
 */
const HOSTS = [
  { hostId: "g1", listenHost: "127.0.4.1" },
  { hostId: "g2", listenHost: "127.0.4.2" },
];

let cluster: SchedulerCluster;
let stranger: ReturnType<typeof strangerPki>;
let g1: TestHost;
let g2: TestHost;

beforeAll(async () => {
  stranger = strangerPki(["g1"]);
  cluster = await startSchedulerCluster(HOSTS, RELAXED_HEARTBEAT_MS);
  [g1, g2] = [cluster.host("g1"), cluster.host("g2")];
  await waitForHostsUp(cluster.scheduler, ["g1", "g2"]);
});

afterAll(async () => {
  await cluster?.stop();
  stranger?.remove();
});

/** `List` on g1 as `posing`: the error, or undefined when it answered. */
async function listAs(posing: Posing) {
  const client = hostClientPosingAs(g1.address, posing, stranger.dir);
  try {
    await unaryCall(client.list.bind(client), { domains: [] }, { deadline: Date.now() + 5000 });
    return undefined;
  } catch (error) {
    return error as { code: status; details: string };
  } finally {
    client.close();
  }
}

describe("a host's gRPC refuses whoever is not a member", () => {
  it("refuses a TLS client without a certificate and one from another CA with UNAUTHENTICATED", async () => {
    for (const posing of ["tls-no-certificate", "stranger-ca"] as const) {
      const error = await listAs(posing);
      expect(error && status[error.code], posing).toBe("UNAUTHENTICATED");
      expect(error?.details).toMatch(/no client certificate issued by this cluster's CA/);
    }
  });

  it("gives a plaintext client nothing: the port speaks only TLS", async () => {
    const error = await listAs("plaintext");
    expect(error && status[error.code]).toBe("UNAVAILABLE");
  });

  it("refuses the scheduler's service to a client without a cluster certificate", async () => {
    const client = new SchedulerClient(
      cluster.scheduler.address,
      channelCredentialsPosingAs("stranger-ca", stranger.dir),
      { "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME },
    );
    await expectGrpcError(unaryCall(client.hostList.bind(client), {}), status.UNAUTHENTICATED);
    client.close();
  });
});

describe("each member may call only what its role needs", () => {
  it("refuses a host's credential on another host's operator RPCs (destroy, save, fault injection)", async () => {
    const asHost = hostClientPosingAs(g1.address, { role: "host", name: "g2" }, stranger.dir);
    await expectGrpcError(
      unaryCall(asHost.destroy.bind(asHost), { domain: "anything" }),
      status.PERMISSION_DENIED,
      "/xensim.v1.Host/Destroy: host g2 may not call this",
    );
    asHost.close();
    const migration = migrationClientPosingAs(g1.address, { role: "host", name: "g2" }, stranger.dir);
    await expectGrpcError(
      unaryCall(migration.save.bind(migration), { domain: "x", path: "x", keepRunning: false }),
      status.PERMISSION_DENIED,
      "host g2 may not call this",
    );
    migration.close();
    const faults = new FaultInjectionClient(
      g1.address,
      channelCredentialsPosingAs({ role: "scheduler", name: "scheduler" }, stranger.dir),
      { "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME },
    );
    await expectGrpcError(
      unaryCall(faults.listFaults.bind(faults), {}),
      status.PERMISSION_DENIED,
      "scheduler scheduler may not call this",
    );
    faults.close();
  });

  it("refuses the operator a host-to-host migration RPC (PullStream)", async () => {
    const client = migrationClientPosingAs(g1.address, { role: "operator", name: "operator" }, stranger.dir);
    const pull = client.pullStream({ migrationId: "m", pullToken: "t" });
    const error = await new Promise<{ code: status; details: string }>((resolve) =>
      pull.on("error", resolve),
    );
    expect(status[error.code]).toBe("PERMISSION_DENIED");
    expect(error.details).toMatch(/operator operator may not call this/);
    client.close();
  });

  it("refuses an HA ping that claims another host than its caller's certificate names", async () => {
    const asG2 = new HaPeerClient(
      g1.address,
      channelCredentialsPosingAs({ role: "host", name: "g2" }, stranger.dir),
      { "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME },
    );
    try {
      for (const claimed of ["g3", "g1"]) {
        const forged = unaryCall(asG2.ping.bind(asG2), { hostId: claimed, address: "127.0.4.99:1" });
        await expectGrpcError(
          forged,
          status.PERMISSION_DENIED,
          new RegExp(`claims host "${claimed}".*host "g2"`),
        );
      }
      // Its own name answers: g1 replies as itself.
      const pong = await unaryCall(asG2.ping.bind(asG2), { hostId: "g2", address: g2.address });
      expect(pong.hostId).toBe("g1");
    } finally {
      asG2.close();
    }
  });

  it("refuses a host's credential on the scheduler (only the operator drives it)", async () => {
    const client = new SchedulerClient(
      cluster.scheduler.address,
      channelCredentialsPosingAs({ role: "host", name: "g1" }, stranger.dir, ["scheduler"]),
      { "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME },
    );
    await expectGrpcError(
      unaryCall(client.create.bind(client), {
        configText: cfg("sneaky", 64),
        configFileName: "x.cfg",
        overrides: [],
        paused: false,
        policy: "",
      }),
      status.PERMISSION_DENIED,
      "/xensim.v1.Scheduler/Create: host g1 may not call this",
    );
    client.close();
    expect((await listAll(cluster.scheduler)).some((d) => d.domain?.name === "sneaky")).toBe(false);
  });
});

describe("a host moves a guest only to a member of the cluster", () => {
  it("refuses a migration to an address outside the cluster; the guest stays and nothing reaches it", async () => {
    // An attacker's Migration service with a certificate from its own CA, on a reachable address.
    let callCount = 0;
    const count = () => {
      callCount++;
    };
    const rogue = new Server();
    rogue.addService(MigrationService, {
      migrate: count,
      receive: count,
      pullStream: count,
      incomingStatus: count,
      save: count,
      restore: count,
      listMigrations: count,
    });
    const identity = loadIdentity(stranger.dir, "host", "g1");
    const port = await new Promise<number>((resolve, reject) =>
      rogue.bindAsync("127.0.4.9:0", clusterServerCredentials(identity), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    try {
      await createFilledGuest(g1, "stay", 16);
      const run = startMigration(g1, { domain: "stay", destination: `127.0.4.9:${port}` });
      const error = await run.done.then(
        () => undefined,
        (e: unknown) => e as { code: status; details: string },
      );
      expect(error, "the migration must fail").toBeDefined();
      expect(error?.details).toMatch(/certificate|handshake|not a member|self.signed|verify/i);
      console.log(`migration to a rogue address: ${error && status[error.code]}: ${error?.details}`);
      expect(callCount, "no call reached the rogue server").toBe(0);
      await waitUntil(async () => (await domainOn(g1, "stay"))?.name === "stay", 10_000);
    } finally {
      rogue.forceShutdown();
    }
  });
});

describe("file arguments stay inside the host's state directory", () => {
  it("refuses to save over a file outside it; the file is untouched", async () => {
    const victim = join(stranger.dir, "victim.txt");
    writeFileSync(victim, "precious\n");
    const error = await expectGrpcError(
      unaryCall(g1.migration.save.bind(g1.migration), { domain: "stay", path: victim, keepRunning: true }),
      status.PERMISSION_DENIED,
      "outside this host's state directory",
    );
    expect(error.details).not.toMatch(/precious/);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    const relativeEscape = "../../../../../../../../tmp/xsim-escape.xsim";
    await expectGrpcError(
      unaryCall(g1.migration.save.bind(g1.migration), {
        domain: "stay",
        path: relativeEscape,
        keepRunning: true,
      }),
      status.PERMISSION_DENIED,
    );
    expect(existsSync("/tmp/xsim-escape.xsim")).toBe(false);
  });

  it("refuses to restore /etc/passwd with PERMISSION_DENIED and echoes none of it", async () => {
    const error = await expectGrpcError(
      unaryCall(g1.migration.restore.bind(g1.migration), { path: "/etc/passwd", paused: false }),
      status.PERMISSION_DENIED,
      "/etc/passwd: outside this host's state directory",
    );
    expect(error.details).not.toMatch(/root:|:0:0:/);
  });

  it("refuses a file inside it that is not a save image without quoting its bytes", async () => {
    writeFileSync(join(testStateRoot(), "g1", "secret.txt"), "TOPSECRET-0123456789abcdef".repeat(64));
    const error = await expectGrpcError(
      unaryCall(g1.migration.restore.bind(g1.migration), { path: "secret.txt", paused: false }),
      status.INVALID_ARGUMENT,
      "is not a save image",
    );
    expect(error.details).not.toMatch(/TOPSECRET|544f50534543524554/i);
  });
});

describe("what members do still works, secured", () => {
  it("creates through the scheduler, migrates between hosts, saves and restores inside the state directory", async () => {
    const placed = await createVia(cluster.scheduler, cfg("legit", 32), "spread");
    const from = placed.hostId === "g1" ? g1 : g2;
    const to = from === g1 ? g2 : g1;
    const run = startMigration(from, { domain: "legit", destination: to.address });
    expect((await run.done).status).toBe("completed");
    await waitUntil(async () => (await domainOn(to, "legit"))?.name === "legit", 10_000);
    const save = await unaryCall(to.migration.save.bind(to.migration), {
      domain: "legit",
      path: "legit.xsim",
      keepRunning: false,
    });
    expect(save.stats?.status).toBe("completed");
    expect(existsSync(join(testStateRoot(), to.hostId, "legit.xsim"))).toBe(true);
    const restored = await unaryCall(to.migration.restore.bind(to.migration), {
      path: "legit.xsim",
      paused: false,
    });
    expect(restored.name).toBe("legit");
  });
});
