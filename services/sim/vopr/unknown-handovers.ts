import type { SimCluster } from "../cluster.js";
import type { Ledger } from "./ledger.js";
import { MIGRATED_AWAY_SUFFIX } from "./world.js";

/**
 * The unknown handovers of unprotected guests, as the hosts report them: the designed ending of
 * docs/specs/migration-protocol.md rule 3. A source that lost its destination after Go and got no
 * answer to `IncomingStatus` for 10 s leaves the guest paused as NAME--migratedaway and ends the
 * migration `unknown` (`xsim -H SRC migrations`); without an HA lease nothing proves the
 * destination's copy gone, so the stand-in stays for the admin, as xl leaves it. That is the
 * "told it failed" of the VOPR's invariant: such a guest is owed no run once the cluster recovers
 * (ledger status `handover-unknown`), and still never runs twice (checkNeverTwice). A protected
 * guest's unknown handover is settled by the destination's lease (ha.md §5) and is not one of
 * these: with HA on it must run exactly once, as before.
 *
 * Found by VOPR seed 566 x 800: vpn (unprotected) migrating h2 -> h1; h2 stalled before Go, h1
 * was cut off meanwhile (1711.7 s) and aborted vpn--incoming as the cut was noticed (1715.7 s);
 * h2 woke at 1715.7 s, sent Go into the cut, and asked h1 until 1728.5 s: no answer (the cut
 * healed at 1727.5 s, during its last try). Before, the checker counted vpn "runs 0 times after
 * recovery", the case migration-protocol.md said it did not model yet.
 */
export class UnknownHandovers {
  /** `hostId/migrationId` of each unknown ending already looked at. */
  private readonly seen = new Set<string>();

  /** Marks in the ledger every guest a host's migration left `unknown` since the last call. */
  note(cluster: SimCluster, ledger: Ledger, trace: (line: string) => void): void {
    for (const host of cluster.hosts.values()) {
      if (host.process.state !== "running") continue;
      for (const stats of host.migrations.list()) {
        const key = `${host.hostId}/${stats.migrationId}`;
        if (stats.status !== "unknown" || this.seen.has(key)) continue;
        this.seen.add(key);
        const standInName = `${stats.domain}${MIGRATED_AWAY_SUFFIX}`;
        const standIn = [...host.toolstack.records.values()].find((r) => r.name === standInName);
        const entry = standIn && ledger.byUuid(standIn.uuid);
        if (!standIn || standIn.config.xsim.ha !== undefined || entry?.status !== "created") continue;
        entry.status = "handover-unknown";
        trace(
          `${host.hostId} left ${standInName} paused: its handover to ${stats.destination} is unknown (not HA: left for the admin)`,
        );
      }
    }
  }
}
