import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import {
  guestConfig,
  startTestHost,
  stopTestHost,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import { startNatsServer, type NatsServerHandle } from "./support/nats-server.js";
import { startLatencyProxy, type LatencyProxy } from "./support/latency-proxy.js";
import { startSchedulerProcess, type SchedulerProcess } from "./support/scheduler-process.js";
import { haEnable, haStatus } from "./support/ha-faults.js";

/**
 * A host just started reads the cluster's HA setting (and, HA on, writes its lease) before it
 * takes a protected guest (docs/specs/ha.md §4 rule 7). A create that comes first waits for that
 * read (bounded: HA_FIRST_READ_WAIT_MS in services/host/lease-keeper.ts) instead of meeting a
 * transient UNAVAILABLE. The new host reaches nats-server through a slow link here, so its first
 * read surely ends after it answers on gRPC; the refusal past the bound is tested under the
 * simulated clock (services/host/lease-keeper-first-read.test.ts).
 */
const HA_TIMEOUT_SECONDS = 6;
/** Each way: the first HA round (setting, leases, the lease's write) takes some seconds, under the bound. */
const SLOW_LINK_MS = 150;
const LEASE_LIVE_TIMEOUT_MS = 30_000;

let nats: NatsServerHandle;
let first: TestHost;
let late: TestHost | undefined;
let proxy: LatencyProxy;
let scheduler: SchedulerProcess;

beforeAll(async () => {
  nats = await startNatsServer();
  first = await startTestHost({ hostId: "fr1", natsUrl: nats.url, listenHost: "127.0.1.51" });
  scheduler = await startSchedulerProcess(nats.url);
  await haEnable(scheduler, HA_TIMEOUT_SECONDS * 1000);
  await waitUntil(
    async () => (await haStatus(scheduler)).hosts.some((h) => h.hostId === "fr1" && h.state === "live"),
    LEASE_LIVE_TIMEOUT_MS,
  );
  proxy = await startLatencyProxy("127.0.0.1", nats.url.replace(/^nats:\/\//, ""), SLOW_LINK_MS);
});

afterAll(async () => {
  await stopTestHost(late);
  await stopTestHost(first);
  await proxy?.close();
  await scheduler?.stop();
  await nats?.stop();
});

describe("a host's first read of the HA setting (real processes)", () => {
  it("a protected guest created the moment a host answers is admitted: the create waited for the read", async () => {
    late = await startTestHost({
      hostId: "fr2",
      natsUrl: `nats://${proxy.address}`,
      listenHost: "127.0.1.52",
    });
    const client = late.process.client;
    const reply = await unaryCall(client.create.bind(client), {
      configText: `${guestConfig("early", 32, "idle")}xsim_ha = "restart"\n`,
      configFileName: "early.cfg",
      configJson: "",
      overrides: [],
      paused: false,
    });
    expect(reply.domain?.name).toBe("early");
    expect(late.process.stderr()).toMatch(/HA: enabled, T = 6000 ms/);
  });
});
