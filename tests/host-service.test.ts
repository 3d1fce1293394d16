import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsAs } from "./support/test-pki.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { startNatsServer, type NatsServerHandle } from "./support/nats-server.js";
import { startHostProcess, type HostProcess } from "./support/host-process.js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { NatsBus } from "../services/transport/bus/nats-bus.js";
import { decodeJson } from "../services/contracts/bus.js";
import { waitFor } from "../services/transport/bus/bus.case.js";
import type { HostClient } from "../services/gen/xensim/v1/host.js";
import type { Heartbeat } from "../services/contracts/heartbeat.js";
import type { DomainEvent } from "../services/contracts/domain-event.js";
import { XL_FIXTURES } from "./support/xl-fixtures.js";

/** One of the repository's own xl.cfg fixtures (tests/fixtures/xl). */
function fixture(name: string): { text: string; file: string } {
  return { text: readFileSync(join(XL_FIXTURES, name), "utf8"), file: name };
}

async function expectStatus(promise: Promise<unknown>, code: status, fragment: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  expect(error, `expected status ${status[code]}`).toBeDefined();
  expect(status[error!.code]).toBe(status[code]);
  expect(error!.details).toContain(fragment);
}

const list = (c: HostClient) => unaryCall(c.list.bind(c), { domains: [] }).then((r) => r.domains);
const info = (c: HostClient) => unaryCall(c.info.bind(c), {});
const create = (c: HostClient, text: string, file = "test.cfg", overrides: string[] = [], paused = false) =>
  unaryCall(c.create.bind(c), { configText: text, configFileName: file, overrides, paused, configJson: "" });

let nats: NatsServerHandle;
let hvmHost: HostProcess;
let pvHost: HostProcess;
let bus: NatsBus;
const events: DomainEvent[] = [];
const heartbeats: Heartbeat[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await NatsBus.connect({
    servers: nats.url,
    name: "test",
    security: natsOptionsAs("operator", "operator"),
  });
  bus.subscribe("xsim.host.*.domain.*", (_, d) => events.push(decodeJson<DomainEvent>(d)));
  bus.subscribe("xsim.host.*.heartbeat", (_, d) => heartbeats.push(decodeJson<Heartbeat>(d)));
  await bus.flush();
  [hvmHost, pvHost] = await Promise.all([
    startHostProcess({
      hostId: "hvm1",
      natsUrl: nats.url,
      listenHost: "127.0.1.1",
      memoryMib: 4096,
      heartbeatMs: 200,
    }),
    startHostProcess({
      hostId: "pv1",
      natsUrl: nats.url,
      listenHost: "127.0.1.2",
      memoryMib: 2048,
      hvm: false,
      heartbeatMs: 200,
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([hvmHost?.stop(), pvHost?.stop()]);
  await bus?.close();
  await nats?.stop();
});

describe("a host service over real gRPC and NATS", () => {
  it("boots with Domain-0 only and reports xl info facts", async () => {
    const domains = await list(pvHost.client);
    expect(domains.map((d) => [d.name, d.domid])).toEqual([["Domain-0", 0]]);
    const facts = await info(pvHost.client);
    expect(facts.totalMemoryMib).toBe(2048);
    expect(facts.xenPagesize).toBe(4096);
    expect(facts.virtCaps).not.toContain("hvm");
  });

  it("creates the three fixture configs (HVM on the HVM host)", async () => {
    for (const name of ["guest.pv", "guest.pvh", "guest.hvm"]) {
      const { text, file } = fixture(name);
      const reply = await create(hvmHost.client, text, file);
      expect(reply.domain?.name).toBe(name.replace("guest.", "fixture."));
    }
    const domains = await list(hvmHost.client);
    expect(domains.map((d) => d.domid)).toEqual([0, 1, 2, 3]);
    const hvm = domains.find((d) => d.name === "fixture.hvm")!;
    expect(hvm.type).toBe("hvm");
    expect(hvm.memoryKib).toBe(128 * 1024);
  });

  it("refuses an HVM guest on a host without HVM support and changes nothing", async () => {
    const before = await info(pvHost.client);
    await expectStatus(create(pvHost.client, fixture("guest.hvm").text), status.FAILED_PRECONDITION, "HVM");
    expect((await list(pvHost.client)).length).toBe(1);
    expect((await info(pvHost.client)).freeMemoryMib).toBe(before.freeMemoryMib);
  });

  it("refuses a malformed config naming file:line:column, and creates nothing", async () => {
    const text = 'name = "bad"\nkernel = "/k"\nmemory = 128 + 1\n';
    await expectStatus(create(pvHost.client, text, "bad.cfg"), status.INVALID_ARGUMENT, "bad.cfg:3:");
    expect((await list(pvHost.client)).length).toBe(1);
  });

  it("refuses a domain that does not fit, leaving free memory as it was", async () => {
    const before = await info(pvHost.client);
    const text = 'name = "huge"\nkernel = "/k"\nmemory = 4096\n';
    await expectStatus(create(pvHost.client, text), status.RESOURCE_EXHAUSTED, "MiB");
    const after = await info(pvHost.client);
    expect(after.freeMemoryMib).toBe(before.freeMemoryMib);
    expect((await list(pvHost.client)).length).toBe(1);
  });

  it("lets exactly one of two concurrent creates of one name win", async () => {
    const text = 'name = "twin"\nkernel = "/k"\nmemory = 64\n';
    const results = await Promise.allSettled([create(pvHost.client, text), create(pvHost.client, text)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as ServiceError).code).toBe(status.ALREADY_EXISTS);
    expect((await list(pvHost.client)).filter((d) => d.name === "twin")).toHaveLength(1);
  });

  it("answers NOT_FOUND for an unknown domain and INVALID_ARGUMENT for too many vCPUs", async () => {
    const c = pvHost.client;
    await expectStatus(unaryCall(c.pause.bind(c), { domain: "nosuch" }), status.NOT_FOUND, "nosuch");
    await expectStatus(unaryCall(c.lookup.bind(c), { domain: "999" }), status.NOT_FOUND, "999");
    await expectStatus(
      unaryCall(c.vcpuSet.bind(c), { domain: "twin", vcpus: 9 }),
      status.INVALID_ARGUMENT,
      "maxvcpus",
    );
    const twin = (await list(c)).find((d) => d.name === "twin")!;
    expect(twin.vcpusOnline).toBe(1);
  });

  it("shuts a domain down cooperatively and waits with -w", async () => {
    const c = pvHost.client;
    await create(c, 'name = "bye"\nkernel = "/k"\nmemory = 32\n');
    await unaryCall(c.shutdown.bind(c), { domain: "bye", wait: true });
    expect((await list(c)).some((d) => d.name === "bye")).toBe(false);
  });

  it("publishes heartbeats and lifecycle events on NATS", async () => {
    await waitFor(() => heartbeats.some((h) => h.hostId === "pv1" && h.domainCount >= 2));
    const beat = heartbeats.filter((h) => h.hostId === "pv1").at(-1)!;
    expect(beat.pcpus).toBeGreaterThan(0);
    expect(beat.freeMemoryKib).toBeLessThan(beat.totalMemoryKib);
    await waitFor(() => events.some((e) => e.event === "destroyed" && e.name === "bye"));
    const created = events.find((e) => e.event === "created" && e.name === "fixture.hvm");
    expect(created?.hostId).toBe("hvm1");
    expect(created?.state).toMatch(/^[r-][b-]----$/);
  });
});
