import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { startTestHost, stopTestHost, waitUntil, type TestHost } from "./support/migration-cluster.js";
import { startNatsServer, type NatsServerHandle } from "./support/nats-server.js";
import { startSchedulerProcess, type SchedulerProcess } from "./support/scheduler-process.js";
import { haEnable, haStatus } from "./support/ha-faults.js";
import { natsOptionsAs } from "./support/test-pki.js";
import { STATEFILE_BUCKET } from "../services/transport/bus/nats-statefile.js";
import { HA_CONFIG_KEY } from "../services/contracts/lease.js";

/**
 * A host with HA off watches the cluster's HA setting (a JetStream KV watch: an ordered push
 * consumer delivering to the host's own inbox) instead of reading it every renew interval
 * (docs/specs/ha.md §3). Real processes, with nats-server's per-host permissions: the host may
 * create the consumer and receive its messages, and the write of ha-enable reaches it.
 */
const LEASE_LIVE_TIMEOUT_MS = 30_000;
const LEARN_TIMEOUT_MS = 60_000;
const HA_TIMEOUT_MS = 6000;

let nats: NatsServerHandle;
let host: TestHost;
let scheduler: SchedulerProcess;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  host = await startTestHost({ hostId: "hw1", natsUrl: nats.url, listenHost: "127.0.1.61" });
  scheduler = await startSchedulerProcess(nats.url);
  await waitUntil(
    async () => (await haStatus(scheduler)).hosts.some((h) => h.hostId === "hw1" && h.state === "live"),
    LEASE_LIVE_TIMEOUT_MS,
  );
  // The bucket's consumers, read as the scheduler reads the store (its own credentials).
  nc = await connect({ servers: nats.url, ...natsOptionsAs("scheduler", "scheduler") });
});

afterAll(async () => {
  await nc?.close();
  await stopTestHost(host);
  await scheduler?.stop();
  await nats?.stop();
});

/** The consumers of the bucket's stream that follow the HA setting, with what each delivered. */
async function settingWatches(): Promise<number[]> {
  const jsm = await nc.jetstreamManager();
  const delivered: number[] = [];
  for await (const consumer of jsm.consumers.list(`KV_${STATEFILE_BUCKET}`))
    if (consumer.config.filter_subject === `$KV.${STATEFILE_BUCKET}.${HA_CONFIG_KEY}`)
      delivered.push(consumer.delivered.stream_seq);
  return delivered;
}

describe("the HA setting watched (real processes, per-host NATS permissions)", () => {
  it("the host watches cluster.ha, the watch delivers ha-enable's write, and the host turns HA on", async () => {
    expect(await settingWatches()).toHaveLength(1);
    await haEnable(scheduler, HA_TIMEOUT_MS);
    await waitUntil(async () => (await settingWatches()).some((seq) => seq > 0), LEARN_TIMEOUT_MS);
    await waitUntil(
      () => Promise.resolve(/HA: enabled, T = 6000 ms/.test(host.process.stderr())),
      LEARN_TIMEOUT_MS,
    );
    expect(host.process.stderr()).not.toMatch(/Permissions Violation/);
  });
});
