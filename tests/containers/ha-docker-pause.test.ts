import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import type { ClusterDomain, SchedulerClient } from "../../services/gen/xensim/v1/scheduler.js";
import { sleepMs, waitUntil } from "../support/migration-cluster.js";
import { cfg } from "../support/scheduler-cluster.js";
import { buildImages, dockerEngineReady } from "./support/docker-engine.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import { listerViaPort, startDoubleRunSampler, type HostLister } from "./support/double-run-sampler.js";

/** Image build (cached: seconds) plus compose up with health checks. */
const SETUP_TIMEOUT_MS = 600_000;
const TEST_TIMEOUT_MS = 120_000;
/** HA's timeout T here (`ha-enable --allow-short-timeout`; docs/specs/ha.md); the scheduler revokes after 1.5 T. */
const HA_TIMEOUT_SECONDS = 3;
const T_MS = HA_TIMEOUT_SECONDS * 1000;
/** Long after a wrong fence or revocation would have shown. */
const SETTLE_MS = 3 * T_MS;
/** Revocation (1.5 T) and the creates elsewhere, on a loaded machine. */
const RESTART_TIMEOUT_MS = 40_000;
/** On each host: a protected guest and an unprotected one. */
const GUESTS = [1, 2, 3].flatMap((n) => [
  { name: `pz${n}`, service: `host${n}`, ha: true },
  { name: `pu${n}`, service: `host${n}`, ha: false },
]);

async function listAll(scheduler: SchedulerClient): Promise<ClusterDomain[]> {
  return (await unaryCall(scheduler.listAll.bind(scheduler), {})).domains;
}

async function createOn(host: ContainerHost, name: string, ha: boolean): Promise<void> {
  const extra: Record<string, string> = { xsim_workload: "uniform:rate=200" };
  if (ha) extra.xsim_ha = "restart";
  await unaryCall(host.client.create.bind(host.client), {
    configText: cfg(name, 32, extra),
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
}

/** "name host" of every guest of the test, from the hosts' own lists; a guest on two hosts shows twice. */
async function placements(listers: readonly HostLister[]): Promise<string[]> {
  const found: string[] = [];
  for (const lister of listers)
    for (const d of await lister.list())
      if (GUESTS.some((g) => g.name === d.name)) found.push(`${d.name} ${lister.hostId}`);
  return found.sort();
}

const withDocker = dockerEngineReady();

/**
 * `docker pause` (the cgroup freezer: every process of the container stops at once) of the broker
 * and of a host, HA on (issue 9 item 7): nothing lost, nothing run twice, and an HA restart only
 * once the paused host's lease was revoked.
 */
describe.skipIf(!withDocker)("docker pause of the broker and of a host container, HA on", () => {
  let cluster: ComposeCluster;
  let scheduler: SchedulerClient;
  let listers: HostLister[];
  let before: string[];

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimpause", { scheduler: true });
    if (!cluster.scheduler) throw new Error("the cluster was started without its scheduler");
    scheduler = cluster.scheduler;
    await waitUntil(async () => {
      const hosts = (await unaryCall(scheduler.hostList.bind(scheduler), {})).hosts;
      return hosts.filter((h) => h.state === "up").length === 3;
    }, 30_000);
    cluster.xsim("host2", ["ha-enable", "--timeout", String(HA_TIMEOUT_SECONDS), "--allow-short-timeout"]);
    for (const g of GUESTS) await createOn(cluster.host(g.service), g.name, g.ha);
    await waitUntil(async () => {
      const synced = new Set(
        (await listAll(scheduler)).filter((d) => d.domain?.configJson).map((d) => d.domain?.name),
      );
      return GUESTS.every((g) => synced.has(g.name));
    }, 30_000);
    listers = cluster.hosts.map(listerViaPort);
    before = await placements(listers);
    expect(before).toEqual(GUESTS.map((g) => `${g.name} ${g.service}`).sort());
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.down();
  }, SETUP_TIMEOUT_MS);

  it(
    "the broker paused for 3 × T: nothing fenced, revoked or restarted; every guest once where it was",
    async () => {
      const sampler = startDoubleRunSampler(listers);
      cluster.pause("nats");
      await sleepMs(3 * T_MS);
      cluster.unpause("nats");
      await sleepMs(SETTLE_MS);
      const report = await sampler.stop();
      expect(report.doubles, "no guest on two hosts at once").toEqual([]);
      expect(report.errors, "every host answered all along").toEqual([]);
      expect(await placements(listers), "0 lost, 0 moved").toEqual(before);
      expect(cluster.logs("scheduler")).not.toMatch(/HA: revoked the lease/);
      for (const host of cluster.hosts) expect(cluster.logs(host.service)).not.toMatch(/HA: fencing/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a host paused past T + margin: its protected guest restarts elsewhere once, after the revocation; unpaused, it runs none",
    async () => {
      const survivors = listers.filter((l) => l.hostId !== "host1");
      const sampler = startDoubleRunSampler(survivors);
      cluster.pause("host1");
      const pausedAtMs = Date.now();
      await waitUntil(
        async () => (await placements(survivors)).some((p) => p.startsWith("pz1 ")),
        RESTART_TIMEOUT_MS,
      );
      const restartMs = Date.now() - pausedAtMs;
      cluster.unpause("host1");
      await sleepMs(SETTLE_MS);
      const report = await sampler.stop();
      expect(report.doubles, "no guest on two hosts at once").toEqual([]);
      const log = cluster.logs("scheduler");
      const revokedAt = log.indexOf("HA: revoked the lease of host1");
      expect(revokedAt, log).toBeGreaterThanOrEqual(0);
      expect(log.indexOf("HA: restarted pz1"), "restarted only after the revocation").toBeGreaterThan(
        revokedAt,
      );
      expect(log.split("HA: restarted pz1").length - 1, "restarted once").toBe(1);
      const after = await placements(listers);
      expect(
        after.filter((p) => p.startsWith("pz1 ")),
        "pz1 once, not on host1",
      ).toEqual([expect.stringMatching(/^pz1 host[23]$/)]);
      const unmoved = before.filter((p) => !p.startsWith("pz1 "));
      expect(
        after.filter((p) => !p.startsWith("pz1 ")),
        "every other guest where it was",
      ).toEqual(unmoved);
      process.stdout.write(
        `docker pause host1 -> pz1 running elsewhere after ${(restartMs / 1000).toFixed(1)} s (measured, T = ${HA_TIMEOUT_SECONDS} s, polled)\n`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the scheduler's process crashed in its container: compose's restart policy brings it back; it lists every guest once",
    async () => {
      const restartsBefore = cluster.restartCount("scheduler");
      cluster.crash("scheduler");
      await waitUntil(() => cluster.restartCount("scheduler") > restartsBefore, RESTART_TIMEOUT_MS);
      let listed: string[] = [];
      await waitUntil(() => {
        try {
          const hostsUp = cluster.exec("scheduler", ["xsim", "host-list"]).split("\n");
          if (hostsUp.filter((line) => /\bup\b/.test(line)).length < 3) return false;
          listed = cluster
            .exec("scheduler", ["xsim", "list"])
            .split("\n")
            .map((line) => line.trim().split(/\s+/)[0] ?? "")
            .filter((name) => GUESTS.some((g) => g.name === name));
          return listed.length >= GUESTS.length;
        } catch {
          return false; // not serving yet
        }
      }, RESTART_TIMEOUT_MS);
      expect(listed.sort(), "every guest listed once by the restarted scheduler").toEqual(
        GUESTS.map((g) => g.name).sort(),
      );
      expect(await placements(listers), "the crash moved nothing").toHaveLength(GUESTS.length);
    },
    TEST_TIMEOUT_MS,
  );
});
