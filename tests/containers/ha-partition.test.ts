import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import type { ClusterDomain, HostSummary, SchedulerClient } from "../../services/gen/xensim/v1/scheduler.js";
import { sleepMs, waitUntil } from "../support/migration-cluster.js";
import { cfg } from "../support/scheduler-cluster.js";
import { buildImages, dockerEngineReady } from "./support/docker-engine.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import {
  listerInside,
  listerViaPort,
  startDoubleRunSampler,
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
/**
 * Cut from its peers and the statefile, the host fences by T + 3 renew intervals (about 5 s);
 * its lists come from `docker exec`, which takes about a second on a busy machine.
 */
const FENCE_TIMEOUT_MS = 20_000;
/** The scheduler revokes after T + T/2 without renewal, then creates the guests elsewhere. */
const RESTART_TIMEOUT_MS = 25_000;
/** Back on the network: NATS reconnects (every 250 ms) and the heartbeats reach the scheduler. */
const REJOIN_TIMEOUT_MS = 20_000;
/** After the rejoin, time for anything wrong (a late restart, a returning guest) to show. */
const SETTLE_MS = 3_000;
/**
 * Samples of every host's lists the test waits for in each phase (before the cut, while host1 is
 * cut off, after it rejoined), however slow `docker exec` is on a loaded machine.
 */
const SAMPLES_PER_PHASE_MIN = 3;
/** `docker exec` takes 0.3 to 1.5 s, so a few samples come within this. */
const SAMPLES_TIMEOUT_MS = 15_000;

const CUT_HOST = "host1";
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

/** The container's output (the host logs to stderr). */
function containerLog(host: ContainerHost): string {
  const result = spawnSync("docker", ["logs", host.container.getId()], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`;
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
      const [host1, host2, host3] = [cluster.host(CUT_HOST), cluster.host("host2"), cluster.host("host3")];
      cluster.xsim("host2", ["ha-enable", "--timeout", String(HA_TIMEOUT_SECONDS), "--allow-short-timeout"]);
      const uuids = await createGuests(scheduler, host1, host2);
      const plain = `${PLAIN_NAME} ${CUT_HOST} ${uuids.get(PLAIN_NAME)}`;
      const bystander = `${BYSTANDER_NAME} host2 ${uuids.get(BYSTANDER_NAME)}`;

      // host1 is always read from inside its container: its published port dies with the cut.
      const inside1 = listerInside(host1);
      const survivors = [listerViaPort(host2), listerViaPort(host3)];
      const sampler = startDoubleRunSampler([inside1, ...survivors]);
      try {
        const samplesAfter = async (count: number) => {
          const target = count + SAMPLES_PER_PHASE_MIN;
          await waitUntil(() => sampler.sampleCount >= target, SAMPLES_TIMEOUT_MS);
        };
        await samplesAfter(0);
        expect(
          domUs(await inside1.list())
            .map((d) => d.name)
            .sort(),
        ).toEqual([...HA_NAMES, PLAIN_NAME]);

        cluster.partition(CUT_HOST);
        const samplesAtCut = sampler.sampleCount;
        const onlyPlain = async () => domUs(await inside1.list()).map((d) => d.name);
        await waitUntil(async () => (await onlyPlain()).join() === PLAIN_NAME, FENCE_TIMEOUT_MS);
        expect(containerLog(host1)).toMatch(
          /host1: HA: fencing \(lease lapsed \d+ ms ago outside the majority\)/,
        );

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

        await samplesAfter(samplesAtCut);
        cluster.heal(CUT_HOST);
        await waitUntil(async () => (await hostState(scheduler, CUT_HOST)) === "up", REJOIN_TIMEOUT_MS);
        const samplesAtRejoin = sampler.sampleCount;
        await sleepMs(SETTLE_MS);
        await samplesAfter(samplesAtRejoin);
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
        const report = await sampler.stop();
        expect(report.errors, "every host's list could be read all along").toEqual([]);
        expect(report.doubles, "no guest on two hosts at once").toEqual([]);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
