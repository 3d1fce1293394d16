import { describe, expect, it } from "vitest";
import { nameKey } from "../dom0/cluster-names.js";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";

/**
 * A protected guest destroyed by its own on_crash action (xl's default, "destroy") while the
 * broker is down: the scheduler misses the "destroyed" event and keeps the HA record. The host
 * frees the guest's name as soon as the store answers again, so that a later loss of the host
 * does not bring the guest back (docs/specs/ha.md §5). Before, the failed free was only logged,
 * nothing else frees the name of a guest with an HA record, and HA restarted it.
 */
const HA_T_MS = 3000;
const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
];
const RECOVERY_MS = 30_000;

function copiesOf(cluster: SimCluster, name: string): string[] {
  return [...cluster.hosts.values()]
    .filter((h) => h.process.state === "running")
    .flatMap((h) => [...h.toolstack.records.values()].filter((r) => r.name === name).map(() => h.hostId));
}

describe("a protected guest that destroys itself while the store is unreachable", () => {
  it("is not restarted by HA when its host is lost after the store answers again", async () => {
    const cluster = await SimCluster.start({ seed: 3, hosts: HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    await cluster.idle(2000);
    const cfg = 'name = "ci"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\nxsim_ha = "restart"\n';
    const ci = await cluster.run(user.createOn("h1", cfg, "ci.cfg"));
    await cluster.idle(1000); // the scheduler records ci
    expect(cluster.kv.peek(`ha.${ci.uuid}`)).toBeDefined();
    cluster.brokerDown();
    cluster.host("h1").toolstack.injectCrash("ci");
    await cluster.idle(1000);
    expect(copiesOf(cluster, "ci")).toEqual([]);
    cluster.brokerUp();
    await cluster.idle(2000); // h1's next rounds: the name is freed
    expect(cluster.kv.peek(nameKey("ci")), "ci's name is free").toBeUndefined();
    cluster.killHost("h1");
    await cluster.idle(RECOVERY_MS);
    expect(copiesOf(cluster, "ci"), "destroyed on purpose (its own action): never restarted").toEqual([]);
    expect(cluster.kv.peek(`ha.${ci.uuid}`), "its HA record is dropped").toBeUndefined();
  });
});
