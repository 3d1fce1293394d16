import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIB, PAGE_SIZE_BYTES } from "../../services/core/units.js";
import { sleepMs, waitUntil } from "../support/migration-cluster.js";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import type { HostSummary, SchedulerClient } from "../../services/gen/xensim/v1/scheduler.js";
import { buildImages, dockerEngineReady } from "./support/docker-engine.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import { checksumOf, copiesOn, createFilledGuest, domainOn, migrate, setWorkload } from "./support/guests.js";

/** Image build (cached: seconds) plus compose up with health checks. */
const SETUP_TIMEOUT_MS = 600_000;
const MIGRATION_TEST_TIMEOUT_MS = 180_000;
const RUNNING_STATE = /^(r-|-b|rb)-/;
/** A few heartbeat intervals (1 s by default). */
const HEARTBEATS_TIMEOUT_MS = 15_000;

async function hostList(scheduler: SchedulerClient): Promise<HostSummary[]> {
  return (await unaryCall(scheduler.hostList.bind(scheduler), {})).hosts;
}

const withDocker = dockerEngineReady();

describe.skipIf(!withDocker)("host and scheduler containers of docker-compose.yml", () => {
  let cluster: ComposeCluster;
  let host1: ContainerHost;
  let host2: ContainerHost;
  let host3: ContainerHost;

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimmig", { scheduler: true });
    [host1, host2, host3] = [cluster.host("host1"), cluster.host("host2"), cluster.host("host3")];
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.down();
  }, SETUP_TIMEOUT_MS);

  it("the scheduler container hears every host container's heartbeat, with its hostname as address", async () => {
    const scheduler = cluster.scheduler;
    if (!scheduler) throw new Error("the cluster was started without its scheduler");
    await waitUntil(async () => (await hostList(scheduler)).length === 3, HEARTBEATS_TIMEOUT_MS);
    const hosts = (await hostList(scheduler)).map((h) => [h.hostId, h.address, h.state, h.hvm]);
    expect(hosts.sort()).toEqual([
      ["host1", "host1:50051", "up", true],
      ["host2", "host2:50051", "up", true],
      ["host3", "host3:50051", "up", false],
    ]);
  });

  it(
    "moves a guest host1 -> host2 -> host3; its memory checksum after each move equals the one before",
    async () => {
      await createFilledGuest(host1, "web", 64, "wws:hot=8M,rate=20000");
      await sleepMs(300);
      await setWorkload(host1, "web", "idle");
      const checksum = await checksumOf(host1, "web");

      const first = await migrate(host1, { domain: "web", destination: host2.internalAddress }).done;
      expect(first.status, first.error).toBe("completed");
      expect([first.source, first.destination], "host ids are the containers' hostnames").toEqual([
        "host1",
        "host2",
      ]);
      expect(first.pagesVerified).toBeGreaterThanOrEqual((64 * MIB) / PAGE_SIZE_BYTES);
      expect(await checksumOf(host2, "web")).toBe(checksum);
      expect((await domainOn(host2, "web"))?.state).toMatch(RUNNING_STATE);
      expect(await copiesOn(host1, "web")).toEqual([]);

      // host3 has no HVM support; a PV guest may still go there.
      const second = await migrate(host2, { domain: "web", destination: host3.internalAddress }).done;
      expect(second.status, second.error).toBe("completed");
      expect(await checksumOf(host3, "web")).toBe(checksum);
      expect(await copiesOn(host2, "web")).toEqual([]);
      expect(await copiesOn(host3, "web")).toEqual(["web"]);
    },
    MIGRATION_TEST_TIMEOUT_MS,
  );

  it(
    "keeps a guest that writes during the migration running at the destination, in several rounds",
    async () => {
      await createFilledGuest(host1, "busy", 64, "wws:hot=8M,rate=20000");
      const run = migrate(host1, { domain: "busy", destination: host2.internalAddress });
      const stats = await run.done;
      expect(stats.status, stats.error).toBe("completed");
      expect(stats.dirtySyncCount).toBeGreaterThanOrEqual(2);
      expect(run.events.length).toBeGreaterThanOrEqual(2);
      const moved = await domainOn(host2, "busy");
      expect(moved?.state).toMatch(RUNNING_STATE);
      expect(moved?.workload).toMatch(/^wws:/);
      expect(await copiesOn(host1, "busy")).toEqual([]);
    },
    MIGRATION_TEST_TIMEOUT_MS,
  );

  it(
    "refuses to move an HVM guest to host3 (no HVM support); it keeps running on host1, unchanged",
    async () => {
      await createFilledGuest(host1, "win", 16, "idle", 'type = "hvm"\n');
      const checksum = await checksumOf(host1, "win");
      const outcome = await migrate(host1, { domain: "win", destination: host3.internalAddress }).done.then(
        (stats) => stats.error || stats.status,
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/hvm/i);
      expect(await copiesOn(host1, "win")).toEqual(["win"]);
      expect(await checksumOf(host1, "win")).toBe(checksum);
      expect(await copiesOn(host3, "win")).toEqual([]);
    },
    MIGRATION_TEST_TIMEOUT_MS,
  );
});
