import { describe, expect, it } from "vitest";
import { BROKER_ID } from "./network.js";
import type { SimCluster } from "./cluster.js";
import { leaseKey, parseLease } from "../contracts/lease.js";
import { clusterWithGuestOn, copiesOf } from "./ha-test-guests.js";

/**
 * A user-paused copy of a protected guest on a host whose lease was revoked never runs again
 * (docs/specs/ha.md §4 rule 8), the question VOPR seed 112 raised (at 2e76aa8, step 164): dns
 * paused by its user on h3; h3 cut from the broker, then stalled; the scheduler revoked h3's
 * lease and restarted dns on another host; h3 woke holding its guests, still cut from the broker
 * (its peers see it: it holds until a renewal, which a revoked lease refuses). Before, nothing
 * refused `xsim -H h3 unpause dns` then: two copies of dns ran.
 */
const HA_T_MS = 5000;
const dnsCopies = (cluster: SimCluster) => copiesOf(cluster, "dns");

describe("a user's unpause of a protected guest its host holds (VOPR seed 112)", () => {
  it("is refused UNAVAILABLE, nothing changed; the copy never runs again and its host fences it", async () => {
    const { cluster, user } = await clusterWithGuestOn(112, HA_T_MS, "h3", "dns");
    await cluster.run(user.pause("h3", "dns"));
    cluster.network.partition(["h3"], [BROKER_ID]);
    await cluster.idle(1000);
    cluster.stall("h3", 4 * HA_T_MS);
    await cluster.idle(4 * HA_T_MS + 500);
    const lease = parseLease(cluster.kv.peek(leaseKey("h3"))?.value ?? "");
    expect(lease?.state, "the scheduler revoked h3's lease while it slept").toBe("revoked");
    expect(dnsCopies(cluster), "restarted elsewhere; h3's copy paused").toHaveLength(2);
    expect(dnsCopies(cluster)).toContain("h3(p)");
    expect(cluster.host("h3").host.ha?.isHolding, "h3 woke holding its guests").toBe(true);

    const refused = cluster.run(user.unpause("h3", "dns"));
    await expect(refused).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await expect(refused).rejects.toThrow(
      /^dns: an HA-protected guest cannot be unpaused on host h3 now: it holds its protected guests: its HA lease was last renewed \d+ ms ago, outside the majority of its peers; nothing was changed, it stays paused \(it runs here again only once the host renews its lease; if the lease was revoked, HA restarts it on another host\)$/,
    );
    expect(dnsCopies(cluster).filter((c) => c.startsWith("h3"))).toEqual(["h3(p)"]);
    expect(
      dnsCopies(cluster).filter((c) => !c.endsWith("(p)")),
      "one copy runs",
    ).toHaveLength(1);

    cluster.network.heal();
    await cluster.idle(3000);
    expect(dnsCopies(cluster), "h3 read its revoked lease and fenced its copy").toHaveLength(1);
    expect(dnsCopies(cluster)[0]).not.toMatch(/^h3|\(p\)/);
  });
});
