import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsAs } from "./support/test-pki.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { MIB } from "../services/core/units.js";
import { NatsBus } from "../services/transport/bus/nats-bus.js";
import { decodeJson } from "../services/contracts/bus.js";
import type { DomainEvent } from "../services/contracts/domain-event.js";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  domainOn,
  expectGrpcError,
  expectGuestOnlyOn,
  freeMemoryKibOf,
  hostAt,
  sleepMs,
  startMigration,
  startTestCluster,
  stopTestHost,
  waitForNoLeftovers,
  waitUntil,
  type MigrationRun,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";
import type { MigrationFault } from "../services/gen/xensim/v1/fault.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";

/** Slow enough that pre-copy of a 64 MiB guest lasts about 3.4 s (128 MiB: 6.7 s). */
const SLOW_BANDWIDTH = "20MB/s";
/** How long a fault holds the guest paused (or Go back) so that a test can strike meanwhile. */
const STALL_MS = 1500;
/** How long a test lets pre-copy run before it strikes. */
const STRIKE_AFTER_START_MS = 300;
/** How long a destination may take to notice a dead source (keepalive 2 s + 2 s), with room for a loaded machine. */
const SOURCE_LOSS_TIMEOUT_MS = 30_000;

let cluster: TestCluster;
/** The hosts alive now (killed ones are replaced). */
let alive: TestHost[] = [];
let source: TestHost;
let bus: NatsBus;
const proxies: TcpProxy[] = [];
let spareOctet = 34;

beforeAll(async () => {
  cluster = await startTestCluster("f", 3, 31, { allowFaultInjection: true });
  alive = [...cluster.hosts];
  source = hostAt(cluster, 0);
  bus = await NatsBus.connect({
    servers: cluster.nats.url,
    name: "migration-failures-test",
    security: natsOptionsAs("operator", "operator"),
  });
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await bus?.close();
  await cluster?.stop();
});

/** A fresh host on its own address, to stand in for one the test kills. */
async function spareHost(extraArgs: string[] = []): Promise<TestHost> {
  const octet = spareOctet++;
  const host = await cluster.addHost(`f${octet}`, `127.0.1.${octet}`, extraArgs);
  alive.push(host);
  return host;
}

async function kill9(host: TestHost): Promise<void> {
  alive = alive.filter((h) => h !== host);
  await stopTestHost(host, "kill9");
}

/** Waits until pre-copy is under way (the first progress event), then a little longer. */
async function duringPrecopy(run: MigrationRun): Promise<void> {
  const first = await run.started;
  expect(first.status).toBe("active");
  await sleepMs(STRIKE_AFTER_START_MS);
}

async function failureOf(run: MigrationRun): Promise<ServiceError> {
  const error = await run.done.then(
    (stats) => new Error(`the migration did not fail: ${stats.status}`) as ServiceError,
    (e: unknown) => e as ServiceError,
  );
  expect(error.code, error.message).toBeTypeOf("number");
  return error;
}

describe("a failure before the destination confirms leaves the guest on the source", () => {
  it("aborts on a corrupted page: checksum mismatch, guest untouched, no --incoming", async () => {
    const destination = hostAt(cluster, 1);
    const checksum = await createFilledGuest(source, "corrupt", 64);
    await armFault(source, { domain: "corrupt", corruptPage: true });
    const run = startMigration(source, { domain: "corrupt", destination: destination.address });
    await expectGrpcError(run.done, status.ABORTED, /checksum/);
    expect(run.events.at(-1)?.status).toBe("failed");
    await waitForNoLeftovers(alive, "corrupt");
    await expectGuestOnlyOn(alive, source, "corrupt", checksum);
  });

  it("survives the destination killed during pre-copy; log-dirty is off again", async () => {
    const doomed = hostAt(cluster, 1);
    const third = hostAt(cluster, 2);
    const checksum = await createFilledGuest(source, "precopy", 128);
    const run = startMigration(source, {
      domain: "precopy",
      destination: doomed.address,
      bandwidth: SLOW_BANDWIDTH,
    });
    await duringPrecopy(run);
    await kill9(doomed);
    const error = await failureOf(run);
    expect(status[error.code]).toMatch(/UNAVAILABLE|ABORTED/);
    expect(run.events.every((e) => e.status === "active" || e.status === "failed")).toBe(true);
    await expectGuestOnlyOn(alive, source, "precopy", checksum);
    expect((await listMigrations(source)).find((m) => m.domain === "precopy")?.status).toBe("failed");

    const again = await startMigration(source, { domain: "precopy", destination: third.address }).done;
    expect(again.status, "a second migration needs log-dirty off").toBe("completed");
    await expectGuestOnlyOn(alive, third, "precopy", checksum);
  });

  it("survives the destination killed during stop-and-copy: the guest is unpaused on the source", async () => {
    const doomed = await spareHost();
    const checksum = await createFilledGuest(source, "stopcopy", 64);
    await armFault(source, { domain: "stopcopy", stallAfterPauseMs: STALL_MS });
    const run = startMigration(source, { domain: "stopcopy", destination: doomed.address });
    await waitUntil(async () => /^..p/.test((await domainOn(source, "stopcopy"))?.state ?? ""), 10_000);
    await kill9(doomed);
    await failureOf(run);
    expect(run.events.at(-1)?.status).toBe("failed");
    await expectGuestOnlyOn(alive, source, "stopcopy", checksum);
  });

  it("survives the control connection cut mid-stream (a proxy in front of the destination)", async () => {
    const destination = await spareHost();
    const proxy = await startTcpProxy("127.0.1.60", destination.address);
    proxies.push(proxy);
    const checksum = await createFilledGuest(source, "cutctl", 64);
    const run = startMigration(source, {
      domain: "cutctl",
      destination: proxy.address,
      bandwidth: SLOW_BANDWIDTH,
    });
    await duringPrecopy(run);
    proxy.cut();
    await failureOf(run);
    await waitForNoLeftovers(alive, "cutctl");
    await expectGuestOnlyOn(alive, source, "cutctl", checksum);
  });

  it("survives the stream connection cut mid-stream (a proxy in front of the source's pull address)", async () => {
    const proxy = await startTcpProxy("127.0.1.61");
    proxies.push(proxy);
    const proxied = await spareHost(["--advertise", proxy.address]);
    proxy.target = proxied.address;
    const destination = hostAt(cluster, 2);
    const checksum = await createFilledGuest(proxied, "cutpull", 64);
    const run = startMigration(proxied, {
      domain: "cutpull",
      destination: destination.address,
      bandwidth: SLOW_BANDWIDTH,
    });
    await duringPrecopy(run);
    expect(proxy.byteCount, "the stream goes through the proxy").toBeGreaterThan(MIB);
    proxy.cut();
    await failureOf(run);
    await waitForNoLeftovers(alive, "cutpull");
    await expectGuestOnlyOn(alive, proxied, "cutpull", checksum);
  });
});

describe("the destination killed in the handover window", () => {
  it("after Received, before Go: the source never runs a second copy; it keeps the guest paused (status unknown)", async () => {
    const doomed = await spareHost();
    const checksum = await createFilledGuest(source, "handwin", 64);
    await armFault(source, { domain: "handwin", stallBeforeHandoverMs: STALL_MS });
    const run = startMigration(source, { domain: "handwin", destination: doomed.address });
    await waitUntil(async () => (await domainOn(source, "handwin--migratedaway")) !== undefined, 30_000);
    await kill9(doomed);
    const error = await failureOf(run);
    expect(status[error.code]).toBe("UNAVAILABLE");
    expect(run.events.at(-1)?.status).toBe("unknown");
    const kept = await domainOn(source, "handwin--migratedaway");
    expect(kept?.state, "left paused: the source cannot know whether Go arrived").toMatch(/^..p/);
    for (const host of alive) expect((await domainOn(host, "handwin"))?.name).toBeUndefined();
    expect(await checksumOf(source, "handwin--migratedaway")).toBe(checksum);
  });
});

describe("the source killed before Go (ownership rule 1)", () => {
  it("during pre-copy: the destination removes its paused NAME--incoming and frees its memory", async () => {
    const doomed = await spareHost();
    const destination = hostAt(cluster, 2);
    await createFilledGuest(doomed, "srcdies", 128);
    const freeBeforeKib = await freeMemoryKibOf(destination);
    const run = startMigration(doomed, {
      domain: "srcdies",
      destination: destination.address,
      bandwidth: SLOW_BANDWIDTH,
    });
    await duringPrecopy(run);
    const copy = await domainOn(destination, "srcdies--incoming");
    expect(copy?.state, "the destination holds a paused copy before the kill").toMatch(/^..p/);
    expect(await freeMemoryKibOf(destination)).toBeLessThan(freeBeforeKib);
    expect(run.events.every((e) => e.status === "active")).toBe(true);
    await kill9(doomed);
    await failureOf(run);
    const gone = async () =>
      (await copiesOn(destination, "srcdies")).length === 0 &&
      (await freeMemoryKibOf(destination)) === freeBeforeKib;
    await waitUntil(gone, SOURCE_LOSS_TIMEOUT_MS).catch(() => undefined);
    for (const host of alive) expect(await copiesOn(host, "srcdies"), host.hostId).toEqual([]);
    expect(await freeMemoryKibOf(destination), "the copy's memory is freed").toBe(freeBeforeKib);
  });
});

describe("the source killed while the destination waits for Go (ownership rule 1)", () => {
  it("after the stream, before the handover: the destination removes NAME--incoming and frees its memory", async () => {
    // The whole stream was received and verified, Received sent; the source (stalled before Go)
    // dies. Nothing closes in an orderly way: the destination learns it from keepalive.
    const doomed = await spareHost();
    const destination = hostAt(cluster, 2);
    await createFilledGuest(doomed, "gowait", 64);
    const freeBeforeKib = await freeMemoryKibOf(destination);
    await armFault(doomed, { domain: "gowait", stallBeforeHandoverMs: 20_000 });
    const run = startMigration(doomed, { domain: "gowait", destination: destination.address });
    await waitUntil(async () => (await domainOn(doomed, "gowait--migratedaway")) !== undefined, 30_000);
    const copy = await domainOn(destination, "gowait--incoming");
    expect(copy?.state, "the destination holds the received copy, paused, waiting for Go").toMatch(/^..p/);
    await kill9(doomed);
    await failureOf(run);
    const gone = async () =>
      (await copiesOn(destination, "gowait")).length === 0 &&
      (await freeMemoryKibOf(destination)) === freeBeforeKib;
    await waitUntil(gone, SOURCE_LOSS_TIMEOUT_MS).catch(() => undefined);
    for (const host of alive) expect(await copiesOn(host, "gowait"), host.hostId).toEqual([]);
    expect(await freeMemoryKibOf(destination), "the copy's memory is freed").toBe(freeBeforeKib);
  });
});

describe("after the destination confirms, it owns the guest", () => {
  it("keeps running the guest when the source is killed right after the handover", async () => {
    const destination = hostAt(cluster, 2);
    const checksum = await createFilledGuest(source, "handover", 64);
    const killed = new Promise<void>((resolve) => {
      const subscription = bus.subscribe(`xsim.host.${destination.hostId}.domain.migrated-in`, (_, data) => {
        if (decodeJson<DomainEvent>(data).name !== "handover") return;
        subscription.unsubscribe();
        void kill9(source).then(resolve);
      });
    });
    await bus.flush();
    const run = startMigration(source, { domain: "handover", destination: destination.address });
    await killed;
    await run.done.catch(() => undefined);
    expect(source.process.process.signalCode).toBe("SIGKILL");
    await expectGuestOnlyOn(alive, destination, "handover", checksum);
  });
});

function armFault(host: TestHost, fault: Partial<MigrationFault> & { domain: string }) {
  const request = { corruptPage: false, stallAfterPauseMs: 0, stallBeforeHandoverMs: 0, ...fault };
  return unaryCall(host.faults.armMigrationFault.bind(host.faults), request);
}

function listMigrations(host: TestHost) {
  return unaryCall(host.migration.listMigrations.bind(host.migration), {}).then((r) => r.migrations);
}
