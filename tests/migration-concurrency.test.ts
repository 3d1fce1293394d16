import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { status } from "@grpc/grpc-js";
import { connectMigration } from "../services/transport/grpc/migration-service.js";
import {
  MigrationClient,
  type ReceiveControl,
  type ReceiveStatus,
} from "../services/gen/xensim/v1/migration.js";
import { clusterChannelCredentials } from "../services/transport/tls/grpc-credentials.js";
import { clusterChannelOptions } from "../services/transport/tls/cluster-credentials.js";
import { memberIdentity } from "./support/attacker.js";
import { testPki } from "./support/test-pki.js";
import {
  copiesOn,
  createFilledGuest,
  domainsOf,
  expectGrpcError,
  expectGuestOnlyOn,
  hostAt,
  startMigration,
  startTestCluster,
  waitForNoLeftovers,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";

/** A guest of GUEST_MIB at this rate takes about 1.7 s: long enough to act while it runs. */
const SLOW_BANDWIDTH = "20MB/s";
const GUEST_MIB = 32;

let cluster: TestCluster;
let h1: TestHost;
let h2: TestHost;
let h3: TestHost;
let h4: TestHost;

beforeAll(async () => {
  cluster = await startTestCluster("c", 4, 21);
  [h1, h2, h3, h4] = [0, 1, 2, 3].map((i) => hostAt(cluster, i)) as [TestHost, TestHost, TestHost, TestHost];
});

afterAll(async () => {
  await cluster?.stop();
});

describe("several migrations at once", () => {
  it("refuses a second migration of the same domain with FAILED_PRECONDITION; the first completes", async () => {
    const checksum = await createFilledGuest(h1, "twice", GUEST_MIB);
    const first = startMigration(h1, { domain: "twice", destination: h2.address, bandwidth: SLOW_BANDWIDTH });
    await first.started;
    const second = startMigration(h1, { domain: "twice", destination: h3.address });
    await expectGrpcError(second.done, status.FAILED_PRECONDITION, "already being migrated");
    expect(await copiesOn(h3, "twice"), "the refused migration built nothing").toEqual([]);
    expect((await first.done).status).toBe("completed");
    await expectGuestOnlyOn(cluster.hosts, h2, "twice", checksum);
  });

  it("runs two different pairs at once", async () => {
    const [sumA, sumB] = await Promise.all([
      createFilledGuest(h1, "pairA", GUEST_MIB),
      createFilledGuest(h3, "pairB", GUEST_MIB),
    ]);
    const [statsA, statsB] = await Promise.all([
      startMigration(h1, { domain: "pairA", destination: h2.address, bandwidth: SLOW_BANDWIDTH }).done,
      startMigration(h3, { domain: "pairB", destination: h4.address, bandwidth: SLOW_BANDWIDTH }).done,
    ]);
    expect([statsA.status, statsB.status]).toEqual(["completed", "completed"]);
    await expectGuestOnlyOn(cluster.hosts, h2, "pairA", sumA);
    await expectGuestOnlyOn(cluster.hosts, h4, "pairB", sumB);
  });

  it("runs two migrations into one host at once", async () => {
    const [sumA, sumB] = await Promise.all([
      createFilledGuest(h1, "intoA", GUEST_MIB),
      createFilledGuest(h2, "intoB", GUEST_MIB),
    ]);
    const runA = startMigration(h1, { domain: "intoA", destination: h3.address, bandwidth: SLOW_BANDWIDTH });
    const runB = startMigration(h2, { domain: "intoB", destination: h3.address, bandwidth: SLOW_BANDWIDTH });
    await Promise.all([runA.started, runB.started]);
    const receiving = (await domainsOf(h3)).map((d) => d.name).filter((n) => n.endsWith("--incoming"));
    expect(receiving.sort(), "both stream into h3 at the same time").toEqual([
      "intoA--incoming",
      "intoB--incoming",
    ]);
    const [statsA, statsB] = await Promise.all([runA.done, runB.done]);
    expect([statsA.status, statsB.status]).toEqual(["completed", "completed"]);
    await expectGuestOnlyOn(cluster.hosts, h3, "intoA", sumA);
    await expectGuestOnlyOn(cluster.hosts, h3, "intoB", sumB);
  });

  it("refuses a third outbound migration from one host with RESOURCE_EXHAUSTED (limit 2)", async () => {
    const sums = await Promise.all(
      ["out1", "out2", "out3"].map((name) => createFilledGuest(h4, name, GUEST_MIB)),
    );
    const out1 = startMigration(h4, { domain: "out1", destination: h1.address, bandwidth: SLOW_BANDWIDTH });
    const out2 = startMigration(h4, { domain: "out2", destination: h2.address, bandwidth: SLOW_BANDWIDTH });
    await Promise.all([out1.started, out2.started]);
    const out3 = startMigration(h4, { domain: "out3", destination: h3.address });
    await expectGrpcError(out3.done, status.RESOURCE_EXHAUSTED, "limit 2");
    expect((await out1.done).status).toBe("completed");
    expect((await out2.done).status).toBe("completed");
    await expectGuestOnlyOn(cluster.hosts, h1, "out1", sums[0]!);
    await expectGuestOnlyOn(cluster.hosts, h2, "out2", sums[1]!);
    await expectGuestOnlyOn(cluster.hosts, h4, "out3", sums[2]!);
    const out3Again = await startMigration(h4, { domain: "out3", destination: h3.address }).done;
    expect(out3Again.status, "the slots are free again").toBe("completed");
    await expectGuestOnlyOn(cluster.hosts, h3, "out3", sums[2]!);
  });
});

describe("streams the destination did not agree to", () => {
  it("refuses PullStream with a wrong token (PERMISSION_DENIED), also for a migration in flight", async () => {
    const pull = (migrationId: string, pullToken: string) =>
      new Promise<void>((resolve, reject) => {
        const call = migrationAsHost(h1.address, h3.hostId).pullStream({ migrationId, pullToken });
        call.on("data", () => undefined);
        call.on("error", reject);
        call.on("end", resolve);
      });
    await expectGrpcError(pull("no-such-migration", "bad"), status.PERMISSION_DENIED, "no-such-migration");

    const checksum = await createFilledGuest(h1, "guarded", GUEST_MIB);
    const run = startMigration(h1, { domain: "guarded", destination: h2.address, bandwidth: SLOW_BANDWIDTH });
    const { migrationId } = await run.started;
    await expectGrpcError(pull(migrationId, "0".repeat(32)), status.PERMISSION_DENIED, migrationId);
    expect((await run.done).status, "the real migration is not disturbed").toBe("completed");
    await expectGuestOnlyOn(cluster.hosts, h2, "guarded", checksum);
  });

  it("refuses Go without Prepare, and Go with a token it did not hand out; creates nothing", async () => {
    const before = (await domainsOf(h3)).map((d) => d.name);
    const goFirst = await receiveExchange(h3, [{ go: { incomingToken: "forged", paused: false } }]);
    expect(goFirst.at(-1)?.failed?.reason).toContain("Go before Prepare");

    // The source address is a socket that never answers, so the pull cannot end the exchange first.
    const silent = await silentServer();
    await createFilledGuest(h1, "template", 32);
    const template = (await domainsOf(h1)).find((d) => d.name === "template")!;
    try {
      const prepare: ReceiveControl = {
        prepare: {
          migrationId: "forged-migration",
          sourceAddress: silent.address,
          pullToken: "whatever",
          configJson: template.configJson,
          name: "forged",
          uuid: "00000000-0000-4000-8000-000000000001",
          memoryKib: 32 * 1024,
          sourceHostId: "nobody",
        },
      };
      const replies = await receiveExchange(h3, [
        prepare,
        { go: { incomingToken: "forged", paused: false } },
      ]);
      expect(replies[0]?.prepared?.incomingToken).toMatch(/^[0-9a-f]{32}$/);
      expect(replies.at(-1)?.failed?.reason).toContain("token");
    } finally {
      silent.server.close();
    }
    await waitForNoLeftovers([h3], "forged");
    expect((await domainsOf(h3)).map((d) => d.name)).toEqual(before);
  });
});

/**
 * A Migration client holding another member host's credentials: PullStream and Receive are for hosts
 * only (the operator is refused before the token is even looked at), so a forged exchange must come
 * from a member to test the token checks. Insecure test runs use the plain client.
 */
function migrationAsHost(address: string, hostId: string): MigrationClient {
  if (!testPki()) return connectMigration(address);
  const credentials = clusterChannelCredentials(memberIdentity("host", hostId), ["host"]);
  return new MigrationClient(address, credentials, clusterChannelOptions());
}

/** Opens Receive on `host`, sends `messages` one after the other answer, returns every status. */
async function receiveExchange(host: TestHost, messages: ReceiveControl[]): Promise<ReceiveStatus[]> {
  const client = migrationAsHost(host.address, h1.hostId);
  const call = client.receive();
  const replies: ReceiveStatus[] = [];
  const pending = [...messages];
  const over = new Promise<void>((resolve) => {
    call.on("data", (reply: ReceiveStatus) => {
      replies.push(reply);
      const next = pending.shift();
      if (next) call.write(next);
    });
    call.on("error", () => resolve());
    call.on("end", () => resolve());
  });
  call.write(pending.shift()!);
  await over;
  client.close();
  return replies;
}

/** A TCP server that accepts connections and never says a word (a source that hangs). */
async function silentServer(): Promise<{ server: Server; address: string }> {
  const server = createServer((socket) => socket.on("error", () => undefined));
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  return { server, address: `127.0.0.1:${port}` };
}
