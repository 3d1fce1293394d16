import { describe, expect, it } from "vitest";
import { MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import { SimCluster } from "./cluster.js";
import { simAddress } from "./sim-host.js";
import { SimUser } from "./sim-user.js";

/**
 * The instants of docs/specs/migration-statistics.md on the whole handshake, under a simulated
 * clock with a fixed latency on every message: each message of Prepare, the pull attach, the
 * stream's end, Received, Go and Committed takes LINK_DELAY_MS, so a figure measured from the
 * wrong instant (setup from after Prepare, downtime ending at the sender's stop round) comes out
 * short by whole link delays, which these bounds see.
 */
const LINK_DELAY_MS = 40;
const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
];

async function migrateBetweenHosts(live: boolean): Promise<MigrationStatsView> {
  const cluster = await SimCluster.start({ seed: 7, hosts: HOSTS });
  const user = new SimUser(cluster);
  const config = 'name = "web"\ntype = "pvh"\nkernel = "/k"\nmemory = 32\nvcpus = 1\n';
  const placed = await cluster.run(user.create(config, "web.cfg"));
  const destination = HOSTS.map((h) => h.hostId).find((id) => id !== placed.hostId)!;
  cluster.network.faults = {
    ...cluster.network.faults,
    delayMsMin: LINK_DELAY_MS,
    delayMsMax: LINK_DELAY_MS,
  };
  const request = MigrateRequest.fromPartial({ domain: "web", destination: simAddress(destination), live });
  return cluster.run(cluster.host(placed.hostId).migrate(request, () => undefined));
}

describe("a migration's instants across the handshake (simulated clock, fixed link latency)", () => {
  for (const live of [true, false])
    it(`${live ? "live" : "non-live"}: setup covers Prepare's round trip, downtime the stream's end, Received, Go and Committed`, async () => {
      const stats = await migrateBetweenHosts(live);
      expect(stats.status).toBe("completed");
      // Prepare and its answer, then the destination's pull attach and its answer, before the first page.
      expect(stats.setupTimeMs, "setup from the request, not from after Prepare").toBeGreaterThanOrEqual(
        4 * LINK_DELAY_MS,
      );
      // After the stop-and-copy round (the pause to the stream's end handed to the link): Received,
      // Go and Committed each cross the link once before the source learns the guest runs there.
      const stopMs = stats.rounds.at(-1)!.durationMs;
      expect(stats.downtimeMs, "downtime up to Committed, not the stream's end").toBeGreaterThanOrEqual(
        stopMs + 3 * LINK_DELAY_MS,
      );
      expect(stats.totalTimeMs).toBeGreaterThanOrEqual(stats.setupTimeMs + stats.downtimeMs);
      if (!live) {
        expect(stats.rounds).toHaveLength(1);
        // Not live, the guest is paused before the first page: the whole copy is downtime.
        expect(stats.downtimeMs).toBeGreaterThanOrEqual(stats.totalTimeMs - stats.setupTimeMs);
      } else {
        const liveMs = stats.rounds.filter((r) => !r.stopAndCopy).reduce((sum, r) => sum + r.durationMs, 0);
        expect(stats.totalTimeMs).toBeGreaterThanOrEqual(stats.setupTimeMs + liveMs + stats.downtimeMs);
      }
    });
});
