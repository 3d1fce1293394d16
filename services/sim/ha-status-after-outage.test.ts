import { describe, expect, it } from "vitest";
import { leaseKey } from "../contracts/lease.js";
import { haState } from "../scheduler/ha-admin.js";
import { formatHaState } from "../cli/ha-commands.js";
import { SimCluster } from "./cluster.js";

/**
 * `xsim ha-status` right after a broker outage (docs/specs/ha.md §5): the scheduler observes the
 * leases afresh, and a lease it has not seen renewed since shows as unconfirmed, its age unknown,
 * until its revision changes. Before, it showed live with an age near 0, though the age is "since
 * the scheduler last saw the lease renewed", and a host that had not renewed it refused a protected
 * guest (§4 rule 7) while ha-status called its lease live.
 */
const HA_T_MS = 3000;
const HOST_IDS = ["h1", "h2", "h3"];

describe("ha-status after the statefile was unreachable", () => {
  it("shows a lease read afresh as unconfirmed, age unknown, until the scheduler sees it renewed", async () => {
    const cluster = await SimCluster.start({
      seed: 5,
      hosts: HOST_IDS.map((hostId) => ({ hostId, memoryMib: 1024 })),
      haTimeoutMs: HA_T_MS,
    });
    const monitor = cluster.schedulerProcess!.ha;
    const status = () => haState(monitor, monitor.config, cluster.clock.nowMs());
    await cluster.idle(2 * HA_T_MS); // every lease renewed while the scheduler watched
    expect(status().hosts.map((h) => h.state)).toEqual(["live", "live", "live"]);

    cluster.brokerDown();
    await cluster.idle(HA_T_MS + 1000);
    expect(status().hosts, "a failed read forgets the leases").toEqual([]);
    const staleRevisions = HOST_IDS.map((id) => cluster.kv.peek(leaseKey(id))?.revision);
    cluster.brokerUp();
    for (let waitedMs = 0; status().hosts.length === 0; waitedMs += 10) {
      expect(waitedMs, "the scheduler reads the leases again within T").toBeLessThan(HA_T_MS);
      await cluster.idle(10);
    }
    const afresh = status();
    expect(afresh.hosts.map((h) => [h.hostId, h.state, h.ageMs])).toEqual(
      HOST_IDS.map((id) => [id, "unconfirmed", 0]),
    );
    const stale = HOST_IDS.filter((id, i) => cluster.kv.peek(leaseKey(id))?.revision === staleRevisions[i]);
    expect(stale.length, "a host has not renewed since the broker came back").toBeGreaterThan(0);
    expect(formatHaState(afresh).split("\n")[2]).toMatch(/^h1 +unconfirmed +- +\d+ /);

    const firstRevisions = afresh.hosts.map((h) => h.revision);
    for (let waitedMs = 0; status().hosts.some((h, i) => h.revision === firstRevisions[i]); waitedMs += 100) {
      expect(waitedMs, "every host renews within T").toBeLessThan(HA_T_MS);
      await cluster.idle(100);
    }
    for (const host of status().hosts) {
      expect(host.state, host.hostId).toBe("live");
      expect(host.ageMs, host.hostId).toBeLessThan(HA_T_MS);
    }
  });
});
