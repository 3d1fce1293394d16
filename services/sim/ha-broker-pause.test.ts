import { describe, expect, it } from "vitest";
import { leaseTiming } from "../contracts/lease.js";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";

/**
 * The broker gone for longer than T (as `docker pause nats` in tests/containers/ha-docker-pause),
 * under the simulated clock (docs/specs/ha.md §4). Whether a host fences then depends only on
 * whether its peers' pings are answered within their deadline (a renew interval): answered, it
 * fences nothing (rule 5); starved past the deadline (a machine so loaded that every answer comes
 * late), it sees no peer and cannot renew, which it cannot tell from being cut off, and it must
 * fence (rule 3). Either way no guest runs twice and a fenced guest restarts once, after its fence.
 */
const HA_T_MS = 3000;
const TIMING = leaseTiming(HA_T_MS);
const BROKER_DOWN_MS = 3 * HA_T_MS;
/** The broker back: renewals, the scheduler's new observations, revocation past T + margin, restarts. */
const RECOVERY_MS = 30_000;
const SAMPLE_INTERVAL_MS = 50;
const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
  { hostId: "h3", memoryMib: 2048 },
];
const PROTECTED = ["pa", "pb", "pc"];
const UNPROTECTED = ["ua"];

function cfg(name: string, ha: boolean): string {
  const extra = ha ? 'xsim_ha = "restart"\n' : "";
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\nxsim_workload = "uniform:rate=200"\n${extra}`;
}

/** name@host of every running (runnable) copy of a guest on a running host. */
function running(cluster: SimCluster): string[] {
  return [...cluster.hosts.values()]
    .filter((h) => h.process.state === "running")
    .flatMap((h) =>
      [...h.toolstack.records.values()]
        .filter((r) => r.domid !== 0 && h.toolstack.domainOf(r).isRunnable)
        .map((r) => `${r.name}@${h.hostId}`),
    )
    .sort();
}

/** Lets `ms` pass, noting every instant at which one guest ran on two hosts. */
async function idleWatching(cluster: SimCluster, ms: number, doubles: string[]): Promise<void> {
  for (let t = 0; t < ms; t += SAMPLE_INTERVAL_MS) {
    await cluster.idle(SAMPLE_INTERVAL_MS);
    const names = running(cluster).map((p) => p.split("@")[0]!);
    for (const name of new Set(names))
      if (names.filter((n) => n === name).length > 1) doubles.push(`${name} at ${cluster.clock.nowMs()} ms`);
  }
}

async function startWithGuests(seed: number): Promise<{ cluster: SimCluster; before: string[] }> {
  const cluster = await SimCluster.start({ seed, hosts: HOSTS, haTimeoutMs: HA_T_MS });
  const user = new SimUser(cluster);
  await cluster.idle(2000);
  for (const name of PROTECTED) await cluster.run(user.create(cfg(name, true), `${name}.cfg`));
  for (const name of UNPROTECTED) await cluster.run(user.create(cfg(name, false), `${name}.cfg`));
  await cluster.idle(2000);
  return { cluster, before: running(cluster) };
}

function logText(cluster: SimCluster): string {
  return cluster.log.map((l) => `${l.atMs} ${l.source}: ${l.text}`).join("\n");
}

describe("the broker down past T, HA on (simulated clock)", () => {
  it("pings answered: nothing is held, fenced, revoked or restarted; every guest once where it was", async () => {
    const { cluster, before } = await startWithGuests(21);
    const doubles: string[] = [];
    cluster.brokerDown();
    await idleWatching(cluster, BROKER_DOWN_MS, doubles);
    cluster.brokerUp();
    await idleWatching(cluster, RECOVERY_MS, doubles);
    expect(doubles).toEqual([]);
    expect(running(cluster)).toEqual(before);
    expect(logText(cluster)).not.toMatch(/fencing|revoked|restarted/);
  }, 60_000);

  it("pings starved past their deadline: the hosts fence (a cut, as far as they can tell); each protected guest restarts once, after its fence; none runs twice", async () => {
    const { cluster, before } = await startWithGuests(22);
    const doubles: string[] = [];
    const lateMs = TIMING.renewIntervalMs + 100;
    cluster.network.faults = { ...cluster.network.faults, delayMsMin: lateMs, delayMsMax: lateMs };
    cluster.brokerDown();
    await idleWatching(cluster, BROKER_DOWN_MS, doubles);
    cluster.network.faults = { ...cluster.network.faults, delayMsMin: 0, delayMsMax: 0 };
    cluster.brokerUp();
    await idleWatching(cluster, RECOVERY_MS, doubles);
    expect(doubles).toEqual([]);
    const log = cluster.log;
    const fences = log.filter((l) => /HA: fencing \(lease lapsed .* outside the majority\)/.test(l.text));
    expect(fences.length, logText(cluster)).toBeGreaterThan(0);
    const after = running(cluster);
    for (const name of PROTECTED) {
      expect(
        after.filter((p) => p.startsWith(`${name}@`)),
        `${name} runs once`,
      ).toHaveLength(1);
      const fence = fences.find((l) => new RegExp(`destroyed .*\\b${name}\\b`).test(l.text));
      const restarts = log.filter((l) => l.text.startsWith(`HA: restarted ${name} `));
      if (fence === undefined) expect(restarts, `${name} was not fenced: not restarted`).toEqual([]);
      else {
        expect(restarts, `${name} restarted once`).toHaveLength(1);
        expect(restarts[0]!.atMs, `${name} restarted after its fence`).toBeGreaterThan(fence.atMs);
      }
    }
    for (const name of UNPROTECTED)
      expect(
        after.filter((p) => p.startsWith(`${name}@`)),
        "unprotected: never fenced, never moved",
      ).toEqual(before.filter((p) => p.startsWith(`${name}@`)));
  }, 60_000);
});
