import { describe, expect, it } from "vitest";
import { SimCluster } from "../sim/cluster.js";
import { SimUser } from "../sim/sim-user.js";
import { LIST_ALL_HOST_WAIT_MS } from "./list-all.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 1024 },
  { hostId: "h2", memoryMib: 1024 },
];

const BUSY_CFG =
  'name = "web"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\nxsim_workload = "uniform:rate=500"\n';

async function busyGuest() {
  const cluster = await SimCluster.start({ seed: 5, hosts: HOSTS });
  const user = new SimUser(cluster);
  const placed = await cluster.run(user.create(BUSY_CFG, "web.cfg"));
  await cluster.idle(2000);
  const cpuTimeNs = async () =>
    (await cluster.run(user.list())).find((d) => d.domain.name === "web")!.domain.cpuTimeNs;
  return { cluster, user, placed, cpuTimeNs };
}

describe("xsim list over the cluster (ListAll)", () => {
  it("shows a running guest's CPU time as its host counts it now, as xl list does", async () => {
    const { cluster, placed, cpuTimeNs } = await busyGuest();
    const first = await cpuTimeNs();
    await cluster.idle(3000);
    const later = await cpuTimeNs();
    // Nothing but CPU time changed: the scheduler's copy of h's list was not refreshed, and before
    // the list showed that copy (the same Time(s) for up to a minute).
    expect(later).toBeGreaterThan(first);
    const host = cluster.host(placed.hostId);
    const now = host.toolstack.domainOf(host.toolstack.requireDomain("web")).cpuTimeNs;
    expect(later).toBeLessThanOrEqual(now);
  });

  it("shows a host that does not answer from the scheduler's copy, within LIST_ALL_HOST_WAIT_MS", async () => {
    const { cluster, user, placed } = await busyGuest();
    cluster.stall(placed.hostId, 10_000);
    const askedMs = cluster.clock.nowMs();
    const listed = await cluster.run(user.list());
    expect(cluster.clock.nowMs() - askedMs).toBeLessThan(LIST_ALL_HOST_WAIT_MS + 1000);
    expect(listed.map((d) => `${d.domain.name}@${d.hostId}`)).toEqual([`web@${placed.hostId}`]);
  });
});
