import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
  { hostId: "h3", memoryMib: 2048 },
];

function cfg(name: string): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n`;
}

/** What the scheduler believes of each host now: its last heartbeat's figures, when it came, up or down. */
function schedulerView(cluster: SimCluster): string[] {
  const view = cluster.scheduler!.view;
  return [...view.hosts.values()]
    .sort((a, b) => a.hostId.localeCompare(b.hostId))
    .map((h) => {
      const b = h.reported;
      return `${h.hostId} ${h.liveness} seen=${h.lastSeenMs} seq=${b.sequence} t=${b.timeMs} free=${b.freeMemoryKib} doms=${b.domainCount} vcpus=${b.vcpusAllocated} list=${b.listVersion} out=${b.migrationsOutbound}`;
    });
}

/**
 * One run of a script of ordinary operations and faults on idle hosts, with or without the shared
 * second: what the scheduler believed every 250 ms, and the cluster's log.
 */
async function script(sharedSecond: boolean): Promise<{ views: string[]; log: string[]; repeats: number }> {
  const cluster = await SimCluster.start({ seed: 5, hosts: HOSTS, sharedSecond, checkSharedSeconds: true });
  const user = new SimUser(cluster);
  const views: string[] = [];
  const watch = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      await cluster.idle(250);
      views.push(`${cluster.clock.nowMs()}: ${schedulerView(cluster).join(" | ")}`);
    }
  };
  await watch(5000);
  const placed = await cluster.run(user.create(cfg("web"), "web.cfg"));
  await watch(4000);
  await cluster.run(user.pause(placed.hostId, "web"));
  await watch(3000);
  await cluster.run(user.migrate("web"));
  await watch(4000);
  // A xenstore write on an idle host (as `xenstore-write` in Dom0 would make it): listVersion moves.
  cluster.host("h3").toolstack.store.write("/local/domain/0/data/note", "hello");
  await watch(3000);
  // The same at an instant of the grid, before the seconds of that instant (a timer set 2 s ahead,
  // before the shared second's for that instant): the host's own second is then due at once.
  const nowMs = cluster.clock.nowMs();
  cluster.clock.setTimer(Math.ceil(nowMs / 1000) * 1000 + 2000 - nowMs, () =>
    cluster.host("h2").toolstack.store.write("/local/domain/0/data/note", "on the grid"),
  );
  await watch(4000);
  cluster.stall("h2", 2600);
  await watch(5000);
  await cluster.run(user.destroy(user.hostOf("web")!.hostId, "web"));
  await watch(3000);
  cluster.killHost("h1");
  await watch(6000);
  cluster.restartHost("h1");
  await watch(5000);
  return {
    views,
    log: cluster.log.map((line) => `${line.atMs} [${line.source}] ${line.text}`),
    repeats: cluster.sharedSecond?.repeatCount ?? 0,
  };
}

describe("the shared second (idle hosts' seconds on one timer) in the one-process cluster", () => {
  it("idle hosts publish a heartbeat every second through it: consecutive sequences, seen each second", async () => {
    const cluster = await SimCluster.start({ seed: 1, hosts: HOSTS, checkSharedSeconds: true });
    await cluster.idle(3000);
    expect(cluster.sharedSecond!.memberCount).toBe(3);
    const before = cluster.scheduler!.view.hosts.get("h2")!.reported.sequence;
    const repeatsBefore = cluster.sharedSecond!.repeatCount;
    await cluster.idle(10_000);
    const entry = cluster.scheduler!.view.hosts.get("h2")!;
    expect(entry.reported.sequence).toBe(before + 10);
    expect(entry.lastSeenMs).toBe(Math.floor(cluster.clock.nowMs() / 1000) * 1000);
    expect(cluster.sharedSecond!.repeatCount - repeatsBefore).toBe(30);
  });

  it("the scheduler believes at every instant what it believed with each host's own timer", async () => {
    const own = await script(false);
    const shared = await script(true);
    expect(shared.repeats, "the shared second ran the idle seconds").toBeGreaterThan(50);
    expect(own.repeats).toBe(0);
    expect(shared.views).toEqual(own.views);
    expect(shared.log).toEqual(own.log);
  });

  it("a change to a host that wakes nothing is caught: checksRepeats throws, naming the host", async () => {
    const cluster = await SimCluster.start({ seed: 2, hosts: HOSTS, checkSharedSeconds: true });
    await cluster.idle(3000);
    expect(cluster.sharedSecond!.memberCount).toBe(3);
    // Dom0 takes frames behind the toolstack's back: no event, no xenstore commit, no wake.
    cluster.host("h1").toolstack.hypervisor.frames.allocate(0, 256, "a test");
    await expect(cluster.idle(2000)).rejects.toThrow(
      /h1: its shared second at \d+ ms would repeat a stale heartbeat: its heartbeat changed/,
    );
  });

  it("a xenstore commit wakes a host from it: its next heartbeat shows the new listVersion", async () => {
    const cluster = await SimCluster.start({ seed: 3, hosts: HOSTS, checkSharedSeconds: true });
    await cluster.idle(3000);
    const version = cluster.scheduler!.view.hosts.get("h1")!.reported.listVersion!;
    cluster.host("h1").toolstack.store.write("/local/domain/0/data/x", "1");
    expect(cluster.sharedSecond!.memberCount).toBe(2);
    await cluster.idle(1000);
    expect(cluster.scheduler!.view.hosts.get("h1")!.reported.listVersion).toBe(version + 1);
    await cluster.idle(2000);
    expect(cluster.sharedSecond!.memberCount, "idle again: back on the shared second").toBe(3);
  });
});

describe("the shared second and HA's guard", () => {
  it("a host that finds its lease revoked leaves it at once to guard, fences, and comes back once idle", async () => {
    const cluster = await SimCluster.start({ seed: 4, hosts: HOSTS, checkSharedSeconds: true });
    const user = new SimUser(cluster);
    await cluster.idle(3000);
    expect(cluster.sharedSecond!.memberCount).toBe(3);
    // Cut from everyone: the scheduler declares it down, the operator declares it dead.
    cluster.network.partition(["h1"]);
    await cluster.idle(40_000);
    await cluster.run(user.hostDeclareDead("h1"));
    cluster.network.heal();
    const h1 = cluster.host("h1").host;
    let leftAtMs: number | undefined;
    let revokedAtMs: number | undefined;
    const leave = h1.options.sharedSecond!.leave.bind(h1.options.sharedSecond);
    h1.options.sharedSecond = {
      ...h1.options.sharedSecond!,
      leave: (member) => ((leftAtMs ??= cluster.clock.nowMs()), leave(member)),
    };
    cluster.logListeners.push((line) => {
      if (line.source === "h1" && /our lease was revoked/.test(line.text)) revokedAtMs ??= line.atMs;
    });
    await cluster.idle(20_000);
    expect(revokedAtMs, "h1 read its revoked lease").toBeDefined();
    expect(leftAtMs, "and left the shared second as it did (LeaseKeeper's onGuarding)").toBe(revokedAtMs);
    expect(cluster.sharedSecond!.memberCount, "fenced, idle again: back").toBe(3);
  });
});
