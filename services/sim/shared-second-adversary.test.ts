import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import type { Toolstack } from "../dom0/toolstack.js";
import * as pools from "../dom0/cpupool.js";
import { pinVcpus } from "../dom0/vcpu-control.js";
import { heartbeatSubject } from "../contracts/subjects.js";

/**
 * Paths that might change what an idle host's heartbeat shows, or what its second would do,
 * without waking it from the shared second (host/shared-second.ts), and runs that might differ
 * with the shared second from the same runs with each host's own timer. Each script runs twice,
 * with and without it, repeats checked (a stale one throws): the scheduler's view every 250 ms,
 * the log and whatever the script probes must be the same.
 */

const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
  { hostId: "h3", memoryMib: 2048 },
];

function cfg(name: string): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nmaxmem = 128\nvcpus = 1\nmaxvcpus = 2\n`;
}

/** Every verb that reaches an idle host's guest or its pools (as its gRPC server calls them). */
const VERBS: [string, (toolstack: Toolstack, cluster: SimCluster) => unknown][] = [
  ["mem-set", (t) => t.memSet("web", 96 * 1024)],
  ["mem-max", (t) => t.memMax("web", 160 * 1024)],
  ["vcpu-set", (t) => t.vcpuSet("web", 2)],
  ["rename", (t) => t.rename("web", "www")],
  ["rename back", (t) => t.rename("www", "web")],
  ["vcpu-pin", (t) => pinVcpus(t, "web", { vcpu: "all", hard: "1" })],
  ["cpupool-create", (t) => pools.createCpupool(t, { name: "p1", cpus: [] })],
  ["cpupool-cpu-remove", (t) => pools.removeCpupoolCpus(t, "Pool-0", [7])],
  ["cpupool-cpu-add", (t) => pools.addCpupoolCpus(t, "p1", [7])],
  ["cpupool-migrate", (t) => pools.migrateToCpupool(t, "web", "p1")],
  ["cpupool-rename", (t) => pools.renameCpupool(t, "p1", "p2")],
  ["cpupool-migrate back", (t) => pools.migrateToCpupool(t, "web", "Pool-0")],
  ["cpupool-destroy", (t) => pools.destroyCpupool(t, "p2")],
  ["pause", (t) => t.pause("web")],
  ["unpause", (t) => t.unpause("web")],
  ["workload", (t) => t.setWorkload("web", "uniform:rate=100")],
  ["workload idle", (t) => t.setWorkload("web", "idle")],
  ["forged heartbeat", (_t, c) => c.broker.inject(heartbeatSubject("h1"), new TextEncoder().encode("{}"))],
  ["reboot", (t) => t.reboot("web")],
  [
    "balloon target",
    (t) => t.store.write(`/local/domain/${t.requireDomain("web").domid}/memory/target`, "81920"),
  ],
  ["crash", (t) => t.injectCrash("web")],
];

function schedulerView(cluster: SimCluster): string {
  const view = cluster.scheduler?.view;
  if (!view) return "no scheduler";
  return [...view.hosts.values()]
    .sort((a, b) => a.hostId.localeCompare(b.hostId))
    .map((h) => {
      const b = h.reported;
      return `${h.hostId} ${h.liveness} seen=${h.lastSeenMs} seq=${b.sequence} t=${b.timeMs} free=${b.freeMemoryKib} doms=${b.domainCount} vcpus=${b.vcpusAllocated} list=${b.listVersion} pools=${JSON.stringify(b.cpupools)}`;
    })
    .join(" | ");
}

interface Run {
  cluster: SimCluster;
  user: SimUser;
  /** Runs `ms` of simulated time, noting the scheduler's view every 250 ms. */
  watch: (ms: number) => Promise<void>;
  /** Notes what the script looked at (compared between the two runs). */
  probe: (text: string) => void;
}

type Script = (run: Run) => Promise<void>;

interface Outcome {
  lines: string[];
  log: string[];
  error: string;
  /** The shared second's members at each probe (only the run with it has any). */
  members: number[];
}

async function runScript(sharedSecond: boolean, script: Script, hosts = HOSTS, seed = 5): Promise<Outcome> {
  const cluster = await SimCluster.start({ seed, hosts, sharedSecond, checkSharedSeconds: true });
  const lines: string[] = [];
  const members: number[] = [];
  const run: Run = {
    cluster,
    user: new SimUser(cluster),
    watch: async (ms) => {
      for (let t = 0; t < ms; t += 250) {
        await cluster.idle(250);
        lines.push(`${cluster.clock.nowMs()}: ${schedulerView(cluster)}`);
      }
    },
    probe: (text) => {
      lines.push(`${cluster.clock.nowMs()}: ${text}`);
      members.push(cluster.sharedSecond?.memberCount ?? 0);
    },
  };
  let error = "";
  try {
    await script(run);
  } catch (caught) {
    error = String(caught);
  }
  const log = cluster.log.map((line) => `${line.atMs} [${line.source}] ${line.text}`);
  return { lines, log, error, members };
}

/** Runs `script` with each host's own timer, then with the shared second; expects the same. */
async function sameWithSharedSecond(script: Script, hosts = HOSTS): Promise<Outcome> {
  const own = await runScript(false, script, hosts);
  const shared = await runScript(true, script, hosts);
  expect(shared.error).toBe(own.error);
  expect(shared.lines).toEqual(own.lines);
  expect(shared.log).toEqual(own.log);
  return shared;
}

/** Waits until the next instant of the 1 s grid plus `offsetMs`. */
async function toGrid(cluster: SimCluster, offsetMs = 0): Promise<void> {
  const nowMs = cluster.clock.nowMs();
  await cluster.idle(Math.floor(nowMs / 1000) * 1000 + 1000 + offsetMs - nowMs);
}

describe("the shared second against its adversary: found wanting", () => {
  it("a fence that destroys nothing moves listVersion: an empty host declared dead while cut off (HA off) wakes", async () => {
    const shared = await sameWithSharedSecond(async ({ cluster, user, watch, probe }) => {
      await watch(5000);
      cluster.network.partition(["h3"]);
      await watch(40_000);
      probe("h3 cut off and idle");
      await cluster.run(user.hostDeclareDead("h3"));
      cluster.network.heal();
      // h3 renews, reads its lease revoked, fences (nothing to destroy) and rejoins: fenceCount moves.
      await watch(30_000);
    });
    expect(shared.log).toContainEqual(expect.stringMatching(/\[h3\] HA: fencing .*: destroyed none/));
  });

  it("a name write that fails after its host went idle (broker stalled past the KV timeout) wakes it: retried each second", async () => {
    const shared = await sameWithSharedSecond(async ({ cluster, user, watch, probe }) => {
      const placed = await cluster.run(user.create(cfg("web"), "web.cfg"));
      await watch(5000);
      cluster.stall("broker", 8000);
      await cluster.run(user.destroy(placed.hostId, "web"));
      await watch(12_000);
      probe(`name web unwritten: ${cluster.host(placed.hostId).host.names?.hasUnwritten}`);
    });
    expect(shared.log).toContainEqual(
      expect.stringMatching(/name web: .*freed when the store answers again/),
    );
    expect(shared.lines.at(-1)).toMatch(/name web unwritten: false$/);
  });

  it("woken at an instant of the grid after the shared second fired: no CPU sample its own timer would not take", async () => {
    await sameWithSharedSecond(async ({ cluster, user, watch, probe }) => {
      const placed = await cluster.run(user.create(cfg("web"), "web.cfg"));
      await watch(5000);
      const host = cluster.host(placed.hostId);
      // Set after the seconds of the next instant were armed: it runs after them.
      await toGrid(cluster, 500);
      cluster.clock.setTimer(500, () => host.toolstack.setWorkload("web", "uniform:rate=100"));
      for (let i = 0; i < 12; i++) {
        await cluster.idle(250);
        const domain = host.toolstack.requireDomain("web");
        probe(
          `CPU ${host.host.cpuUsage.percent(domain.domid, domain.uuid).toFixed(3)} % over ${host.host.cpuUsage.intervalMs} ms`,
        );
      }
    });
  });

  it("woken at the instant it joined (after its own second there): no second heartbeat at that instant", async () => {
    await sameWithSharedSecond(
      async ({ cluster, watch }) => {
        await watch(4500);
        const store = cluster.host("h1").toolstack.store;
        // At x.5: h1's second at x+1 shows the new listVersion, its second at x+2 repeats it: it joins.
        store.write("/local/domain/0/data/a", "1");
        await cluster.idle(1000);
        // At x+2, after h1's second (armed at x+1): a commit wakes it the instant it joined.
        cluster.clock.setTimer(500, () => store.write("/local/domain/0/data/b", "2"));
        await watch(4000);
      },
      HOSTS.slice(0, 1),
    );
  });

  // Not fixed (the order of one instant's heartbeats): the shared second runs its members in the
  // order they joined, and a host that left runs its own second after the shared one; each host's
  // own timer runs in the order the timers were armed (boot order here), never re-armed by a wake.
  // Heartbeats of one instant then reach the broker in another order: hosts back at one instant
  // after an outage are logged in another order, and on faulty links the PRNG's delays and drops
  // go to other heartbeats, so the scheduler believes other things (a host down in one run only).
  for (const fault of ["a broker outage", "faulty links"])
    it.fails(`a host that left and joined again, then ${fault}: as with the hosts' own timers`, async () => {
      await sameWithSharedSecond(async ({ cluster, watch }) => {
        await watch(4000);
        // h2 leaves and joins again: last in the shared second's order, second in its own timers'.
        cluster.host("h2").toolstack.store.write("/local/domain/0/data/x", "1");
        await watch(4250);
        if (fault === "faulty links") {
          cluster.network.faults = {
            dropRate: 0.2,
            duplicateRate: 0.1,
            delayMsMin: 0,
            delayMsMax: 900,
            reorder: false,
          };
          await watch(15_000);
          return;
        }
        cluster.brokerDown();
        await watch(5000);
        cluster.brokerUp();
        await watch(3000);
      });
    });
});

describe("the shared second against its adversary: sound paths, pinned", () => {
  for (const onGrid of [false, true])
    it(`every verb on an idle host's guest and pools, ${onGrid ? "at an instant of the grid after its second" : "between instants"}`, async () => {
      const shared = await sameWithSharedSecond(async ({ cluster, user, watch, probe }) => {
        await cluster.run(user.createOn("h1", cfg("web"), "web.cfg"));
        await watch(4000);
        const toolstack = cluster.host("h1").toolstack;
        for (const [verb, act] of VERBS) {
          await toGrid(cluster, 500);
          cluster.clock.setTimer(onGrid ? 500 : 0, () => {
            probe(verb);
            act(toolstack, cluster);
          });
          await watch(3500);
        }
      });
      expect(shared.error).toBe("");
      expect(shared.members).toHaveLength(VERBS.length);
      // Every host shared when each verb came (but the one after the busy workload): each woke h1.
      expect(shared.members.filter((count) => count === 3).length).toBe(VERBS.length - 1);
    });

  it("link faults (drops, duplicates, delays) then calm again, hosts in their boot order", async () => {
    const shared = await sameWithSharedSecond(async ({ cluster, watch, probe }) => {
      await watch(4000);
      cluster.network.faults = {
        dropRate: 0.1,
        duplicateRate: 0.1,
        delayMsMin: 0,
        delayMsMax: 300,
        reorder: false,
      };
      await watch(10_000);
      probe("faults");
      cluster.network.faults = { dropRate: 0, duplicateRate: 0, delayMsMin: 0, delayMsMax: 0, reorder: true };
      await watch(6000);
    });
    expect(shared.members[0], "hosts share while their heartbeats meet faults").toBe(3);
  });

  it("the scheduler stalled across the grid, crashed and restarted", async () => {
    await sameWithSharedSecond(async ({ cluster, watch }) => {
      await watch(4000);
      cluster.stall("scheduler", 5000);
      await watch(8000);
      await cluster.idle(500);
      cluster.stall("scheduler", 4500);
      await watch(8000);
      cluster.crashScheduler();
      await watch(3000);
      await cluster.run(cluster.restartScheduler());
      await watch(8000);
    });
  });

  it("partitions healed on and off the grid; the broker down, up and stalled", async () => {
    await sameWithSharedSecond(async ({ cluster, watch }) => {
      await watch(4000);
      cluster.network.partition(["h1"]);
      await watch(5000);
      cluster.network.heal();
      await watch(5000);
      cluster.network.partition(["h2"], ["broker"]);
      await watch(4250);
      cluster.network.heal();
      await watch(5000);
      cluster.brokerDown();
      await watch(5000);
      cluster.brokerUp();
      await watch(5000);
      cluster.stall("broker", 2000);
      await watch(5000);
    });
  });

  it("HA on: no host shares; HA off again: they do", async () => {
    const shared = await sameWithSharedSecond(async ({ cluster, user, watch, probe }) => {
      await watch(4000);
      await cluster.run(user.haEnable(10_000));
      await watch(5000);
      probe("HA on");
      await cluster.run(user.haDisable());
      await watch(8000);
      probe("HA off");
    });
    expect(shared.members).toEqual([0, 3]);
  });
});
