import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
  { hostId: "h3", memoryMib: 2048 },
];

function cfg(name: string, extra = ""): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n${extra}`;
}

function placements(cluster: SimCluster): string[] {
  return [...cluster.hosts.values()]
    .filter((h) => h.process.state === "running")
    .flatMap((h) =>
      [...h.toolstack.records.values()].filter((r) => r.domid !== 0).map((r) => `${r.name}@${h.hostId}`),
    )
    .sort();
}

describe("SimCluster (real scheduler, real toolstacks, one process)", () => {
  it("places, live-migrates through the full handshake, and keeps a paused guest's memory", async () => {
    const cluster = await SimCluster.start({ seed: 1, hosts: HOSTS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(
      user.create(cfg("web", 'xsim_workload = "uniform:rate=500"\n'), "web.cfg"),
    );
    const source = cluster.host(placed.hostId);
    source.toolstack.pause("web");
    await cluster.idle(1000);
    const paused = source.toolstack.domainOf(source.toolstack.requireDomain("web")).memory.checksum();
    const last = await cluster.run(user.migrate("web"));
    expect(last.stats?.status).toBe("completed");
    const destination = cluster.host(last.stats!.destination);
    expect(destination.hostId).not.toBe(placed.hostId);
    expect(placements(cluster)).toEqual([`web@${destination.hostId}`]);
    const moved = destination.toolstack
      .domainOf(destination.toolstack.requireDomain("web"))
      .memory.checksum();
    expect(moved).toBe(paused);
  });

  it("restarts an HA guest once after its host is killed, and never while the host still runs it", async () => {
    const cluster = await SimCluster.start({ seed: 2, hosts: HOSTS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(user.create(cfg("db", 'xsim_ha = "restart"\n'), "db.cfg"));
    await cluster.idle(2000);
    cluster.killHost(placed.hostId);
    await cluster.idle(10_000);
    const running = placements(cluster);
    expect(running).toHaveLength(1);
    expect(running[0]).toMatch(/^db@/);
    expect(running[0]).not.toBe(`db@${placed.hostId}`);
  });

  it("replays a run exactly from its seed", async () => {
    const once = async () => {
      const cluster = await SimCluster.start({ seed: 3, hosts: HOSTS });
      const user = new SimUser(cluster);
      await cluster.run(user.create(cfg("a"), "a.cfg"));
      await cluster.run(user.create(cfg("b"), "b.cfg"));
      await cluster.run(user.migrate("a"));
      await cluster.idle(3000);
      return { log: cluster.log, placements: placements(cluster), now: cluster.clock.nowMs() };
    };
    expect(await once()).toEqual(await once());
  });
});
