import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import { leaseTiming } from "../contracts/lease.js";

/** HA's T in these tests (as `ha-enable --allow-short-timeout`). */
const HA_T_MS = 5000;

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

  it("restarts an HA guest once after its host is killed, from the lease, not before T + margin", async () => {
    const cluster = await SimCluster.start({ seed: 2, hosts: HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(user.create(cfg("db", 'xsim_ha = "restart"\n'), "db.cfg"));
    await cluster.idle(2000);
    cluster.killHost(placed.hostId);
    const timing = leaseTiming(HA_T_MS);
    await cluster.idle(timing.timeoutMs + timing.restartMarginMs - timing.renewIntervalMs);
    expect(placements(cluster), "not before the lease can have lapsed").toEqual([]);
    await cluster.idle(10_000);
    const running = placements(cluster);
    expect(running).toHaveLength(1);
    expect(running[0]).toMatch(/^db@/);
    expect(running[0]).not.toBe(`db@${placed.hostId}`);
    expect(cluster.log.map((l) => l.text).join("\n")).toMatch(/HA: revoked the lease of h\d/);
  });

  it("restarts the HA guests of a host that died while the scheduler was down", async () => {
    const cluster = await SimCluster.start({ seed: 4, hosts: HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(user.create(cfg("db", 'xsim_ha = "restart"\n'), "db.cfg"));
    await cluster.idle(2000);
    cluster.crashScheduler();
    cluster.killHost(placed.hostId);
    await cluster.idle(20_000);
    expect(placements(cluster)).toEqual([]);
    await cluster.run(cluster.restartScheduler());
    await cluster.idle(20_000);
    expect(placements(cluster)).toHaveLength(1);
    expect(placements(cluster)[0]).not.toBe(`db@${placed.hostId}`);
  });

  it("a stall longer than T holds the HA guest, then releases it: nothing is destroyed or restarted", async () => {
    const cluster = await SimCluster.start({ seed: 5, hosts: HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(user.create(cfg("db", 'xsim_ha = "restart"\n'), "db.cfg"));
    await cluster.idle(2000);
    cluster.stall(placed.hostId, HA_T_MS + 1500);
    await cluster.idle(30_000);
    expect(placements(cluster)).toEqual([`db@${placed.hostId}`]);
    const log = cluster.log.map((l) => l.text).join("\n");
    expect(log).toMatch(/HA: lease unconfirmed for \d+ ms: holding \(paused\) db/);
    expect(log).toMatch(/HA: lease confirmed: released db/);
    expect(log).not.toMatch(/fencing|revoked/);
  });

  it("a migration to a destination cut off from its source fails and says why; the guest runs on at its source", async () => {
    // Before: the in-memory links dropped what a partition cut, and the source waited forever.
    const cluster = await SimCluster.start({ seed: 6, hosts: HOSTS });
    const user = new SimUser(cluster);
    const placed = await cluster.run(
      user.create(cfg("web", 'xsim_workload = "uniform:rate=2000"\n'), "web.cfg"),
    );
    const destination = placed.hostId === "h2" ? "h3" : "h2";
    // The scheduler reaches both; the hosts do not reach each other.
    cluster.network.partition([destination], [placed.hostId]);
    const migrating = user.migrate("web", destination).then(
      (last) => `${last.stats?.status}: ${last.stats?.error}`,
      (error: unknown) => `rejected: ${String(error)}`,
    );
    const outcome = await cluster.run(
      Promise.race([
        migrating,
        new Promise<string>((resolve) => cluster.clock.setTimer(120_000, () => resolve("still waiting"))),
      ]),
    );
    expect(outcome).toMatch(/failed: .*(lost|UNAVAILABLE|unavailable)/i);
    await cluster.idle(10_000);
    expect(placements(cluster)).toEqual([`web@${placed.hostId}`]);
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
