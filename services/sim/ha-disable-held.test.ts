import { describe, expect, it } from "vitest";
import type { SimCluster } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import { clusterWithGuestOn, copiesOf } from "./ha-test-guests.js";
import { leaseKey, parseLease } from "../contracts/lease.js";

/**
 * `xsim ha-disable` while a host holds its protected guests (docs/specs/ha.md §4 rule 1). h3 runs
 * dns and stalls; HA is disabled before it wakes (and, in the first case, before it can read
 * its lease: it is cut from the broker as it wakes). Before, a host released its held guests as soon
 * as it read HA off: with its lease revoked meanwhile and dns restarted elsewhere, two copies ran.
 */
const HA_T_MS = 5000;
const dnsCopies = (cluster: SimCluster) => copiesOf(cluster, "dns");

function h3Lease(cluster: SimCluster) {
  return parseLease(cluster.kv.peek(leaseKey("h3"))?.value ?? "");
}

describe("ha-disable while a host holds its protected guests", () => {
  it("a host whose lease was revoked fences its held copy, HA off or not; its new lease lets HA on again", async () => {
    const { cluster, user } = await clusterWithGuestOn(38, HA_T_MS, "h3", "dns");
    const epochBefore = h3Lease(cluster)?.epoch;
    cluster.stall("h3", 4 * HA_T_MS);
    await cluster.idle(3 * HA_T_MS);
    expect(h3Lease(cluster)?.state, "the scheduler revoked h3's lease while it slept").toBe("revoked");
    expect(
      dnsCopies(cluster).filter((c) => c !== "h3"),
      "dns restarted elsewhere",
    ).toHaveLength(1);
    // Cut from the broker before it wakes: it learns HA is off before it can read its lease.
    cluster.network.partition(["h3"], [BROKER_ID]);
    await cluster.run(user.haDisable());
    await cluster.idle(HA_T_MS + 1000);
    expect(cluster.host("h3").host.ha?.isHolding, "h3 woke holding dns").toBe(true);
    expect(dnsCopies(cluster)).toContain("h3(p)");
    cluster.network.heal();
    await cluster.idle(3000);
    // h3 reads HA off, its renewal fails, it reads its lease revoked
    expect(dnsCopies(cluster), "one copy, not on h3").toHaveLength(1);
    expect(dnsCopies(cluster)[0]).toMatch(/^h[124]$/);
    expect(cluster.host("h3").host.ha?.isHolding).toBe(false);
    const lease = h3Lease(cluster);
    expect(lease?.state, "h3 fenced and wrote a new lease").toBe("live");
    expect(lease?.epoch).not.toBe(epochBefore);

    await cluster.idle(2000); // the scheduler reads h3's new lease
    await cluster.run(user.haEnable(HA_T_MS));
    await cluster.idle(3 * HA_T_MS);
    expect(dnsCopies(cluster), "still one copy with HA on again").toHaveLength(1);
  });

  it("a host whose lease is only stale resumes its held copy once a renewal proves it was not revoked", async () => {
    const { cluster, user } = await clusterWithGuestOn(38, HA_T_MS, "h3", "dns");
    const stallMs = HA_T_MS + 500; // past T, short of a revocation
    cluster.stall("h3", stallMs);
    await cluster.idle(stallMs - 1000);
    await cluster.run(user.haDisable());
    await cluster.idle(3000);
    expect(h3Lease(cluster)?.state).toBe("live");
    expect(cluster.host("h3").host.ha?.isHolding).toBe(false);
    expect(dnsCopies(cluster), "dns runs on, on h3 only").toEqual(["h3"]);
  });
});
