import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import {
  copiesOn,
  domainsOf,
  expectGrpcError,
  freeMemoryKibOf,
  sleepMs,
  startMigration,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import {
  expectEachOnceElsewhere,
  startHaCluster,
  TEST_HA_TIMEOUT_MS,
  waitForLiveset,
  type HaCluster,
} from "./support/ha-cluster.js";

/**
 * Real host processes and a real nats-server, HA on: `xsim -H dm1 migrate dmp1 dm2`, a protected
 * guest's migration straight between hosts, while nats-server is down. The source cannot write the
 * guest's HA record (`migratingTo`, docs/specs/ha.md §5), so it refuses with the scheduler's own
 * words, aborts the destination's NAME--incoming and changes nothing on either host; once
 * nats-server is back, the same migration goes through. The sim runs the same code
 * (services/sim/ha-direct-migration.test.ts); this is the wiring over gRPC and NATS. During the
 * outage, past T, a user's unpause of a paused protected guest is refused too (§4 rule 8).
 */
let ha: HaCluster;
/** nats-server back, hosts reconnected and leases renewed, on a loaded 2-core machine. */
const RECONNECT_TIMEOUT_MS = 60_000;
const REFUSAL =
  /^dmp1: an HA-protected guest cannot be migrated while the cluster store is unreachable: HA would not know which host it runs on \(the cluster's state store cannot be reached \(.+\)\); nothing was changed, try again$/;

beforeAll(async () => {
  ha = await startHaCluster("dm", 16);
});

afterAll(async () => {
  await ha?.cluster.stop();
});

/** Name, domid and whether paused, of every domain on a host (running/blocked flip on their own). */
async function snapshot(host: TestHost): Promise<string[]> {
  return (await domainsOf(host)).map((d) => `${d.name}#${d.domid}${d.state.charAt(2) === "p" ? ":p" : ""}`);
}

function unpause(host: TestHost, domain: string): Promise<unknown> {
  const c = host.process.client;
  return unaryCall(c.unpause.bind(c), { domain });
}

describe("a direct migration of a protected guest while nats-server is down", () => {
  it(
    "is refused UNAVAILABLE, nothing changed on either host; it succeeds once nats-server is back",
    async () => {
      const source = ha.host("dm1");
      const destination = ha.host("dm2");
      const guest = ha.guests.find((g) => g.name === "dmp1")!;
      const sourceBefore = await snapshot(source);
      const destinationBefore = await snapshot(destination);
      const destinationFreeKib = await freeMemoryKibOf(destination);
      const sourceFreeKib = await freeMemoryKibOf(source);

      await ha.cluster.nats.kill9();
      const refused = startMigration(source, { domain: guest.name, destination: destination.address });
      await expectGrpcError(refused.done, status.UNAVAILABLE, REFUSAL);
      // The destination's NAME--incoming aborted, its memory freed exactly; the source untouched.
      await waitUntil(async () => (await copiesOn(destination, guest.name)).length === 0, 10_000);
      expect(await freeMemoryKibOf(destination), "dm2's memory freed exactly").toBe(destinationFreeKib);
      expect(await snapshot(destination)).toEqual(destinationBefore);
      expect(await copiesOn(source, guest.name)).toEqual([guest.name]);
      expect(await snapshot(source), "dmp1 still runs on dm1, nothing else changed").toEqual(sourceBefore);
      expect(await freeMemoryKibOf(source)).toBe(sourceFreeKib);

      // Past T the hosts' leases are unconfirmed: a paused protected guest stays paused.
      await sleepMs(TEST_HA_TIMEOUT_MS + 1000);
      await expectGrpcError(
        unpause(source, "dmz1"),
        status.UNAVAILABLE,
        /^dmz1: an HA-protected guest cannot be unpaused on host dm1 now: its HA lease was last renewed \d+ ms ago; nothing was changed, it stays paused/,
      );
      expect((await domainsOf(source)).find((d) => d.name === "dmz1")?.state).toMatch(/^..p/);

      await ha.cluster.nats.startAgain();
      // Every lease renewed since nats-server came back: dm2 takes no protected guest before (§4
      // rule 7), and its lease, kept in the store, read "live" all along.
      await waitForLiveset(ha.cluster, ["dm1", "dm2", "dm3"]);
      // The unpause goes through once dm1 renewed its lease (refusals change nothing: retried).
      await waitUntil(
        () =>
          unpause(source, "dmz1").then(
            () => true,
            () => false,
          ),
        RECONNECT_TIMEOUT_MS,
      );
      const moved = startMigration(source, { domain: guest.name, destination: destination.address });
      expect((await moved.done).status).toBe("completed");
      expect(await copiesOn(source, guest.name)).toEqual([]);
      await expectEachOnceElsewhere(ha, [guest], "dm1");
    },
    RECONNECT_TIMEOUT_MS * 3,
  );
});
