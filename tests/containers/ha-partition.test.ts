import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import type { ClusterDomain, HostSummary, SchedulerClient } from "../../services/gen/xensim/v1/scheduler.js";
import { sleepMs, waitUntil } from "../support/migration-cluster.js";
import { cfg } from "../support/scheduler-cluster.js";
import { buildImages, dockerEngineReady } from "./support/docker-engine.js";
import { everyLeaseLive } from "./support/ha-status.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import {
  arrivalOf,
  departureOf,
  formatRates,
  startClusterSampler,
  type ClusterSampler,
  type DoubleRunReport,
  type HostLister,
  type ListedDomain,
} from "./support/double-run-sampler.js";

/** Image build (cached: seconds) plus compose up with health checks. */
const SETUP_TIMEOUT_MS = 600_000;
/** The whole cut, restart, heal and settle sequence, on a loaded 2-core machine. */
const TEST_TIMEOUT_MS = 90_000;
/** A few heartbeat intervals (1 s in docker-compose.yml). */
const HEARTBEATS_TIMEOUT_MS = 15_000;
/** HA's timeout T for this test (`ha-enable --allow-short-timeout`; docs/specs/ha.md). */
const HA_TIMEOUT_SECONDS = 3;
/** Cut from its peers and the statefile, the host fences by T + 3 renew intervals (about 5 s). */
const FENCE_TIMEOUT_MS = 20_000;
/** The scheduler revokes after T + T/2 without renewal, then creates the guests elsewhere. */
const RESTART_TIMEOUT_MS = 25_000;
/** Back on the network: NATS reconnects (every 250 ms) and the heartbeats reach the scheduler. */
const REJOIN_TIMEOUT_MS = 20_000;
/** After the rejoin, time for anything wrong (a late restart, a returning guest) to show. */
const SETTLE_MS = 3_000;

const CUT_HOST = "host1";
const HOST_IDS = ["host1", "host2", "host3"] as const;
const HA_NAMES = ["ha1", "ha2"] as const;
const PLAIN_NAME = "plain1";
/** An HA domain on a host that stays connected: it must stay where it is, once. */
const BYSTANDER_NAME = "ha-host2";

async function hostList(scheduler: SchedulerClient): Promise<HostSummary[]> {
  return (await unaryCall(scheduler.hostList.bind(scheduler), {})).hosts;
}

async function listAll(scheduler: SchedulerClient): Promise<ClusterDomain[]> {
  return (await unaryCall(scheduler.listAll.bind(scheduler), {})).domains;
}

async function hostState(scheduler: SchedulerClient, hostId: string): Promise<string | undefined> {
  return (await hostList(scheduler)).find((h) => h.hostId === hostId)?.state;
}

/** Creates a 64 MiB PV guest on that host itself (as `xsim -H`), returns its uuid. */
async function createOn(host: ContainerHost, name: string, ha: boolean): Promise<string> {
  const extra: Record<string, string> = { xsim_workload: "uniform:rate=200" };
  if (ha) extra.xsim_ha = "restart";
  const reply = await unaryCall(host.client.create.bind(host.client), {
    configText: cfg(name, 64, extra),
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
  if (!reply.domain?.uuid) throw new Error(`${host.service} created no domain ${name}`);
  return reply.domain.uuid;
}

/**
 * With every host up in the scheduler: the HA guests and the plain one on host1, the bystander on
 * host2, each read back by the scheduler (and so, for HA ones, recorded). Returns name -> uuid.
 */
async function createGuests(
  scheduler: SchedulerClient,
  host1: ContainerHost,
  host2: ContainerHost,
): Promise<Map<string, string>> {
  await waitUntil(
    async () => (await hostList(scheduler)).filter((h) => h.state === "up").length === 3,
    HEARTBEATS_TIMEOUT_MS,
  );
  const uuids = new Map<string, string>();
  for (const name of HA_NAMES) uuids.set(name, await createOn(host1, name, true));
  uuids.set(PLAIN_NAME, await createOn(host1, PLAIN_NAME, false));
  uuids.set(BYSTANDER_NAME, await createOn(host2, BYSTANDER_NAME, true));
  await waitUntil(async () => {
    const synced = new Set(
      (await listAll(scheduler)).filter((d) => d.domain?.configJson).map((d) => d.domain?.name),
    );
    return [...uuids.keys()].every((name) => synced.has(name));
  }, HEARTBEATS_TIMEOUT_MS);
  return uuids;
}

/** "name host uuid" of each named guest, by the hosts' own lists; a guest on two hosts shows twice. */
async function whereListed(listers: readonly HostLister[], names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const lister of listers)
    for (const d of await lister.list())
      if (names.includes(d.name)) found.push(`${d.name} ${lister.hostId} ${d.uuid}`);
  return found.sort();
}

function domUs(domains: readonly ListedDomain[]): ListedDomain[] {
  return domains.filter((d) => d.domid !== 0);
}

/** When a service's first log line matching `pattern` was written (Docker's time of reading it). */
function loggedAt(cluster: ComposeCluster, service: string, pattern: RegExp): number {
  const line = cluster.timedLogs(service).find((l) => pattern.test(l.text));
  if (!line) throw new Error(`${service} never logged ${String(pattern)}`);
  return line.atMs;
}

/**
 * The fence came before any restart, by the hosts' own logs and the sampler's reads (orderings of
 * instants on this machine's one clock, not durations): host1 logged its fence and its HA guests
 * were gone from its list before the scheduler revoked its lease, and both before each guest was
 * created elsewhere (after the last read of its new host that did not list it).
 */
function expectFenceBeforeRestarts(cluster: ComposeCluster, sampler: ClusterSampler): void {
  const fencedMs = loggedAt(cluster, CUT_HOST, /^host1: HA: fencing \(.*\): destroyed ha1, ha2$/);
  const revokedMs = loggedAt(cluster, "scheduler", /HA: revoked the lease of host1 /);
  expect(fencedMs, "host1 fenced before the scheduler revoked its lease").toBeLessThan(revokedMs);
  for (const name of HA_NAMES) {
    const arrival = arrivalOf(sampler.reads, ["host2", "host3"], name);
    if (!arrival) throw new Error(`the sampler never saw ${name} arrive on host2 or host3`);
    const goneMs = departureOf(sampler.reads, CUT_HOST, name);
    if (goneMs === undefined) throw new Error(`the sampler never saw ${name} leave ${CUT_HOST}`);
    expect(goneMs, `${name} gone from host1 before it was created on ${arrival.host}`).toBeLessThan(
      arrival.absentSentMs,
    );
    // The revocation and the last read without the guest both precede its create, in no fixed order
    // between them: the scheduler's own log orders the revocation and the restart.
    const log = cluster.logs("scheduler");
    const revokedAt = log.indexOf("HA: revoked the lease of host1");
    expect(revokedAt, "the scheduler logged the revocation").toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`HA: restarted ${name}`), `${name} restarted after the revocation`).toBeGreaterThan(
      revokedAt,
    );
  }
}

const withDocker = dockerEngineReady();

describe.skipIf(!withDocker)("a host container cut off the network (docker network disconnect)", () => {
  let cluster: ComposeCluster;
  let scheduler: SchedulerClient;

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimha", { scheduler: true });
    if (!cluster.scheduler) throw new Error("the cluster was started without its scheduler");
    scheduler = cluster.scheduler;
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.down();
  }, SETUP_TIMEOUT_MS);

  it(
    "with HA on it fences its HA domains, they restart elsewhere once, its unprotected one stays, none runs twice",
    async () => {
      const [host1, host2] = [cluster.host(CUT_HOST), cluster.host("host2")];
      cluster.xsim("host2", ["ha-enable", "--timeout", String(HA_TIMEOUT_SECONDS), "--allow-short-timeout"]);
      // Every host must know HA is on and hold a live lease before the cut: a host that has not
      // read the setting yet would take its guests as unprotected and have no lease to revoke.
      await waitUntil(
        () => everyLeaseLive(cluster.xsim("host2", ["ha-status"]), HOST_IDS),
        HEARTBEATS_TIMEOUT_MS,
      );
      const uuids = await createGuests(scheduler, host1, host2);
      const plain = `${PLAIN_NAME} ${CUT_HOST} ${uuids.get(PLAIN_NAME)}`;
      const bystander = `${BYSTANDER_NAME} host2 ${uuids.get(BYSTANDER_NAME)}`;

      // Every host is read by the sampler on the observer network: host1's too while it is cut off.
      const sampler = await startClusterSampler(cluster);
      const inside1 = sampler.lister(CUT_HOST);
      const survivors = [sampler.lister("host2"), sampler.lister("host3")];
      let cutMs = 0;
      let healMs = 0;
      let report: DoubleRunReport;
      try {
        expect(
          domUs(await inside1.list())
            .map((d) => d.name)
            .sort(),
        ).toEqual([...HA_NAMES, PLAIN_NAME]);

        cutMs = Date.now();
        cluster.partition(CUT_HOST);
        const onlyPlain = async () => domUs(await inside1.list()).map((d) => d.name);
        await waitUntil(async () => (await onlyPlain()).join() === PLAIN_NAME, FENCE_TIMEOUT_MS);

        await waitUntil(async () => {
          const moved = (await listAll(scheduler)).filter(
            (d) => d.hostId !== CUT_HOST && HA_NAMES.some((n) => n === d.domain?.name),
          );
          return moved.length === HA_NAMES.length;
        }, RESTART_TIMEOUT_MS);
        expect(await hostState(scheduler, CUT_HOST)).toBe("down");
        const restarted = await whereListed(survivors, HA_NAMES);
        expect(restarted, "each HA domain once, on host2 or host3, with its uuid").toHaveLength(
          HA_NAMES.length,
        );
        for (const [i, name] of HA_NAMES.entries())
          expect(restarted[i]).toMatch(new RegExp(`^${name} host[23] ${uuids.get(name)}$`));
        expect(await whereListed(survivors, [PLAIN_NAME]), "not HA: not restarted").toEqual([]);
        expectFenceBeforeRestarts(cluster, sampler);

        healMs = Date.now();
        cluster.heal(CUT_HOST);
        await waitUntil(async () => (await hostState(scheduler, CUT_HOST)) === "up", REJOIN_TIMEOUT_MS);
        await sleepMs(SETTLE_MS);
        expect(await onlyPlain(), "host1 keeps only its unprotected guest after it rejoins").toEqual([
          PLAIN_NAME,
        ]);
        const everywhere = [inside1, ...survivors];
        expect(await whereListed(everywhere, [...HA_NAMES, BYSTANDER_NAME, PLAIN_NAME])).toEqual(
          [...restarted, bystander, plain].sort(),
        );
        const scheduled = (await listAll(scheduler)).map(
          (d) => `${d.domain?.name} ${d.hostId} ${d.domain?.uuid}`,
        );
        expect(scheduled.sort(), "the scheduler's view agrees with the hosts'").toEqual(
          [...restarted, bystander, plain].sort(),
        );
      } finally {
        report = await sampler.stop();
        process.stdout.write(`${formatRates(report.rates)}\n`);
      }
      expect(report.doubles, "no guest running on two hosts at once").toEqual([]);
      for (const host of HOST_IDS)
        expect(
          report.reads.some((r) => r.host === host && !r.error && r.sentMs > cutMs && r.sentMs < healMs),
          `${host} read while host1 was cut off`,
        ).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
