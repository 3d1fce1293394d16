import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIB } from "../../services/core/units.js";
import { waitUntil } from "../support/migration-cluster.js";
import { buildImages, docker, dockerEngineReady } from "./support/docker-engine.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import { checksumOf, copiesOn, createFilledGuest, domainOn, migrate } from "./support/guests.js";

const SETUP_TIMEOUT_MS = 600_000;
const TEST_TIMEOUT_MS = 240_000;
const GUEST_MEMORY_MIB = 128;
/** 40 Mbit/s = 5 MB/s: a 128 MiB guest takes ~25 s, so the kill lands mid-stream. */
const BANDWIDTH = "40Mbit/s";
/** Kill once this much is on the wire: well under way, far from done. */
const KILL_AFTER_BYTES = 16 * MIB;
/** Time to get KILL_AFTER_BYTES on the wire at BANDWIDTH, with room for a loaded machine. */
const PROGRESS_TIMEOUT_MS = 60_000;
/** The source notices a peer that vanished without a RST by gRPC keepalive (2 s + 2 s), then cleans up. */
const FAILURE_NOTICE_TIMEOUT_MS = 60_000;
const RUNNING_STATE = /^(r-|-b|rb)-/;

const withDocker = dockerEngineReady();

describe.skipIf(!withDocker)("killing the destination container in the middle of a migration", () => {
  let cluster: ComposeCluster;
  let host1: ContainerHost;
  let host2: ContainerHost;

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimkill");
    [host1, host2] = [cluster.host("host1"), cluster.host("host2")];
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.down();
  }, SETUP_TIMEOUT_MS);

  it(
    "leaves the domain running on the source with the same memory, and no leftovers there",
    async () => {
      await createFilledGuest(host1, "db", GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(host1, "db");
      const run = migrate(host1, { domain: "db", destination: host2.internalAddress, bandwidth: BANDWIDTH });
      await waitUntil(
        () => run.events.some((e) => e.bytesTransferred >= KILL_AFTER_BYTES),
        PROGRESS_TIMEOUT_MS,
      );
      expect(run.events.at(-1)?.status, "still copying when the destination dies").toBe("active");
      cluster.kill("host2");
      expect(docker(["inspect", "-f", "{{.State.Running}}", host2.container.getId()])).toBe("false");

      const outcome = await run.done.then(
        (stats) => stats.status,
        (error: Error) => `error: ${error.message}`,
      );
      expect(outcome, "the source saw the destination go").toMatch(/^(failed|cancelled)$|host2/);
      await waitUntil(async () => (await copiesOn(host1, "db")).length === 1, FAILURE_NOTICE_TIMEOUT_MS);
      expect(await copiesOn(host1, "db")).toEqual(["db"]);
      expect((await domainOn(host1, "db"))?.state).toMatch(RUNNING_STATE);
      expect(await checksumOf(host1, "db")).toBe(checksum);
    },
    TEST_TIMEOUT_MS,
  );
});
