import { describe, expect, it } from "vitest";
import type { SimCluster } from "./cluster.js";
import { clusterWithGuestOn, copiesOf } from "./ha-test-guests.js";

/**
 * A migration of a protected guest out of a host that holds its guests is refused (docs/specs/ha.md
 * §4 rule 9), the question VOPR seed 362 raised: h1 woke from a stall holding dns (paused), the
 * scheduler revoked h1's lease and its evacuation migrated dns to h3 while HA restarted it on h4:
 * two copies. Here h3 wakes from a stall holding dns; `xsim -H h3 migrate dns h1`, sent during the
 * stall, reaches it as it wakes.
 */
const HA_T_MS = 5000;
/** Past T, short of the scheduler's revocation (T + T/2 unchanged): h3 wakes holding, not revoked. */
const STALL_MS = HA_T_MS + 500;
/** Where dns is, and its migration's stand-in on h1 (host ids, (p) when paused). */
function dnsCopies(cluster: SimCluster): string[] {
  return [...copiesOf(cluster, "dns"), ...copiesOf(cluster, "dns--incoming").map((c) => `incoming@${c}`)];
}

describe("a migration of a protected guest off a host that holds it (VOPR seed 362)", () => {
  it("is refused UNAVAILABLE, nothing changed; once the host renews its lease the same migration goes", async () => {
    const { cluster, user } = await clusterWithGuestOn(362, HA_T_MS, "h3", "dns");
    const h1FreeFrameCount = cluster.host("h1").toolstack.hypervisor.frames.frameCountFreeNow;

    cluster.stall("h3", STALL_MS);
    await cluster.idle(STALL_MS - 500);
    const refused = cluster.run(user.migrateOn("h3", "dns", "h1"));
    await expect(refused).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await expect(refused).rejects.toThrow(
      /^dns: an HA-protected guest cannot be migrated off host h3 now: it holds its protected guests: its HA lease was last renewed \d+ ms ago, outside the majority of its peers; nothing was changed, it stays on this host \(it can move once the host renews its lease; if the lease was revoked, HA restarts it on another host\)$/,
    );
    expect(cluster.host("h3").host.ha?.isHolding, "h3 woke holding its guests").toBe(true);
    expect(dnsCopies(cluster), "held on h3, no dns--incoming on h1").toEqual(["h3(p)"]);
    expect(
      cluster.host("h1").toolstack.hypervisor.frames.frameCountFreeNow,
      "h1's free frames as before",
    ).toBe(h1FreeFrameCount);

    await cluster.idle(3000);
    expect(cluster.host("h3").host.ha?.isHolding, "h3 renewed its lease: released").toBe(false);
    expect(dnsCopies(cluster)).toEqual(["h3"]);
    const moved = await cluster.run(user.migrateOn("h3", "dns", "h1"));
    expect(moved.status).toBe("completed");
    expect(dnsCopies(cluster)).toEqual(["h1"]);
  });
});
