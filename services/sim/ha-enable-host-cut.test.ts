import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import { SimUser } from "./sim-user.js";
import { copiesOf, HA_TEST_HOSTS, protectedConfig } from "./ha-test-guests.js";
import { leaseKey, parseLease } from "../contracts/lease.js";

/**
 * `xsim ha-enable` while a host is cut from the broker (docs/specs/ha.md §1, "HA on binds a host
 * only once it knows"): its lease, renewed with HA off a moment before, passes the enable's check,
 * but the host cannot read the new setting. It runs dns on with HA off: it pings nobody and holds
 * nothing. Before, its peers did not see it and the scheduler revoked its lease and restarted dns
 * while h4's copy ran (VOPR `--ha toggle` seed 26).
 */
const HA_T_MS = 5000;

function h4Lease(cluster: SimCluster) {
  return parseLease(cluster.kv.peek(leaseKey("h4"))?.value ?? "");
}

describe("ha-enable while a host cannot hear of it", () => {
  it("the scheduler revokes no lease its host has not written with HA on; once the host knows, HA acts", async () => {
    const cluster = await SimCluster.start({ seed: 26, hosts: HA_TEST_HOSTS });
    const user = new SimUser(cluster);
    await cluster.idle(2000);
    await cluster.run(user.createOn("h4", protectedConfig("dns"), "dns.cfg"));
    await cluster.idle(2000);
    expect(h4Lease(cluster)?.ha, "HA off: no host writes ha").toBeUndefined();

    cluster.network.partition(["h4"], [BROKER_ID]);
    const state = await cluster.run(user.haEnable(HA_T_MS));
    expect(state.enabled, "h4's lease was renewed recently: the enable passes").toBe(true);
    await cluster.idle(4 * HA_T_MS);
    expect(copiesOf(cluster, "dns"), "dns runs on h4 alone, HA off there").toEqual(["h4"]);
    expect(h4Lease(cluster)?.state).toBe("live");
    const log = cluster.log.map((line) => `[${line.source}] ${line.text}`).join("\n");
    expect(log).toMatch(
      /\[scheduler\] HA: h4's lease is not renewed, but its host has not written it with HA on/,
    );

    cluster.network.heal();
    await cluster.idle(HA_T_MS);
    expect(h4Lease(cluster)?.ha, "h4 read HA on and renewed under it").toBe(true);
    expect(copiesOf(cluster, "dns")).toEqual(["h4"]);

    // Bound by HA now: its death restarts dns once.
    cluster.killHost("h4");
    await cluster.idle(4 * HA_T_MS);
    const copies = copiesOf(cluster, "dns");
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^h[123]$/);
  });
});
