import { describe, expect, it } from "vitest";
import { BROKER_ID } from "./network.js";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import { leaseKey, parseLease } from "../contracts/lease.js";

/**
 * A user-paused copy of a protected guest on a host whose lease was revoked never runs again
 * (docs/specs/ha.md §4 rule 8), the question VOPR seed 112 raised (at 2e76aa8, step 164): dns
 * paused by its user on h3; h3 cut from the broker, then stalled; the scheduler revoked h3's
 * lease and restarted dns on another host; h3 woke holding its guests, still cut from the broker
 * (its peers see it: it holds until a renewal, which a revoked lease refuses). Before, nothing
 * refused `xsim -H h3 unpause dns` then: two copies of dns ran.
 */
const HA_T_MS = 5000;
const HOSTS = ["h1", "h2", "h3", "h4"].map((hostId) => ({ hostId, memoryMib: 1024 }));

function cfg(name: string): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\nxsim_ha = "restart"\n`;
}

/** Every copy of dns on a running host: host(p) when paused. */
function dnsCopies(cluster: SimCluster): string[] {
  return [...cluster.hosts.values()]
    .filter((h) => h.process.state === "running")
    .flatMap((h) =>
      [...h.toolstack.records.values()]
        .filter((r) => r.name === "dns")
        .map((r) => `${h.hostId}${h.toolstack.domainOf(r).paused ? "(p)" : ""}`),
    )
    .sort();
}

describe("a user's unpause of a protected guest its host holds (VOPR seed 112)", () => {
  it("is refused UNAVAILABLE, nothing changed; the copy never runs again and its host fences it", async () => {
    const cluster = await SimCluster.start({ seed: 112, hosts: HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    await cluster.idle(2000);
    await cluster.run(user.createOn("h3", cfg("dns"), "dns.cfg"));
    await cluster.idle(2000); // the scheduler lists h3 and records dns
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
