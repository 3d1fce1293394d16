import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIB } from "../../services/core/units.js";
import { waitUntil } from "../support/migration-cluster.js";
import { buildImages, docker, dockerEngineReady } from "./support/docker-engine.js";
import { startComposeCluster, type ComposeCluster, type ContainerHost } from "./support/compose-cluster.js";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  domainOn,
  migrate,
  type MigrationRun,
} from "./support/guests.js";
import {
  formatRates,
  startClusterSampler,
  type ClusterSampler,
  type DoubleRunReport,
} from "./support/double-run-sampler.js";

const SETUP_TIMEOUT_MS = 600_000;
const TEST_TIMEOUT_MS = 240_000;
const GUEST_MEMORY_MIB = 128;
/** The guests killed in stop-and-copy and in the handover: small, the fault holds them there. */
const SMALL_GUEST_MEMORY_MIB = 32;
/** 40 Mbit/s = 5 MB/s: a 128 MiB guest takes ~25 s, so the kill lands mid-stream. */
const BANDWIDTH = "40Mbit/s";
/** Kill once this much is on the wire: well under way, far from done. */
const KILL_AFTER_BYTES = 16 * MIB;
/** Time to get KILL_AFTER_BYTES on the wire at BANDWIDTH, or to reach a phase, on a loaded machine. */
const PROGRESS_TIMEOUT_MS = 60_000;
/** The source notices a peer that vanished without a RST by gRPC keepalive (2 s + 2 s), then cleans up. */
const FAILURE_NOTICE_TIMEOUT_MS = 60_000;
/**
 * How long the armed fault holds the migration in its phase (docs/specs/fault-injection.md): long
 * enough for this test to see the phase and kill the destination inside it on a loaded machine.
 */
const HOLD_MS = 20_000;
/** A restarted destination container answers again (node start-up on a loaded machine). */
const RESTART_TIMEOUT_MS = 120_000;
const RUNNING_STATE = /^(r-|-b|rb)-/;
const PAUSED_STATE = /^..p/;

/**
 * What the source says when the migration channel to a destination broke (transport/grpc/grpc-peer.ts):
 * "connection lost", then grpc-js's words, which depend on how the socket died ("Connection
 * dropped", "read ECONNRESET": a fresh-clone CI met the second).
 */
function lostDestinationWords(service: string): string {
  return `destination ${service}:50051: connection lost \\((Connection dropped|read ECONNRESET|write EPIPE)\\)`;
}
/** The source's words, to the letter but for grpc-js's. */
function lostDestination(service: string): RegExp {
  return new RegExp(`^${lostDestinationWords(service)}$`);
}
/** The CLI's line for it: the code, then the source's words. */
function lostDestinationOutcome(service: string): RegExp {
  return new RegExp(`^error: 14 UNAVAILABLE: ${lostDestinationWords(service)}$`);
}
/** What the source says when it lost the destination after Go (dom0/migrate/outbound.ts). */
const HANDOVER_UNKNOWN =
  "lost the destination after handing the guest over and it does not answer: the guest is left paused here as --migratedaway (status unknown)";

const withDocker = dockerEngineReady();

/** The migration's outcome as the source reports it: its final status, or its error. */
async function outcomeOf(run: MigrationRun): Promise<string> {
  return run.done.then(
    (stats) => `${stats.status}: ${stats.error}`,
    (error: Error) => `error: ${error.message}`,
  );
}

describe.skipIf(!withDocker)("killing the destination container in the middle of a migration", () => {
  let cluster: ComposeCluster;
  let host1: ContainerHost;
  let sampler: ClusterSampler;

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimkill", { allowFaultInjection: true });
    host1 = cluster.host("host1");
    sampler = await startClusterSampler(cluster);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (sampler) {
      const report: DoubleRunReport = await sampler.stop();
      process.stdout.write(`${formatRates(report.rates)}\n`);
      expect(report.doubles, "no guest ran on two hosts at once, in any read").toEqual([]);
    }
    await cluster?.down();
  }, SETUP_TIMEOUT_MS);

  /** Kills a destination and checks, by the sampler, that it is gone (its reads fail). */
  async function killDestination(service: string): Promise<void> {
    const since = Date.now();
    cluster.kill(service);
    expect(docker(["inspect", "-f", "{{.State.Running}}", cluster.host(service).container.getId()])).toBe(
      "false",
    );
    await waitUntil(
      () => sampler.reads.some((r) => r.host === service && r.sentMs > since && r.error),
      30_000,
    );
  }

  /** The guest runs once, on host1 alone, under its name, with the memory it had. */
  async function expectBackOnSource(name: string, checksum: string): Promise<void> {
    await waitUntil(async () => (await copiesOn(host1, name)).join() === name, FAILURE_NOTICE_TIMEOUT_MS);
    await waitUntil(async () => RUNNING_STATE.test((await domainOn(host1, name))?.state ?? ""), 30_000);
    expect(await checksumOf(host1, name)).toBe(checksum);
    for (const other of ["host2", "host3"]) {
      // A killed host's read fails: it runs nothing.
      const listed = await sampler
        .lister(other)
        .list()
        .catch(() => []);
      expect(
        listed.map((d) => d.name).filter((n) => n.startsWith(name)),
        `on ${other}`,
      ).toEqual([]);
    }
  }

  it(
    "during pre-copy: the guest runs on, on the source alone, with the same memory; the source says it failed",
    async () => {
      await createFilledGuest(host1, "db", GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(host1, "db");
      const run = migrate(host1, { domain: "db", destination: "host2:50051", bandwidth: BANDWIDTH });
      await waitUntil(
        () => run.events.some((e) => e.bytesTransferred >= KILL_AFTER_BYTES),
        PROGRESS_TIMEOUT_MS,
      );
      expect(run.events.at(-1)?.status, "still copying when the destination dies").toBe("active");
      expect((await domainOn(host1, "db"))?.state, "live: the guest runs during pre-copy").toMatch(
        RUNNING_STATE,
      );
      await killDestination("host2");
      // The channel to the destination broke (gRPC keepalive): what the source says, to the letter
      // but for grpc-js's words.
      expect(await outcomeOf(run), "the source saw the destination go").toMatch(
        lostDestinationOutcome("host2"),
      );
      expect(run.events.at(-1)?.status, "its last progress says so too").toBe("failed");
      expect(run.events.at(-1)?.error).toMatch(lostDestination("host2"));
      await expectBackOnSource("db", checksum);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "during stop-and-copy (held there after the pause): the source unpauses the guest, the only copy, unchanged",
    async () => {
      await createFilledGuest(host1, "stopcopy", SMALL_GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(host1, "stopcopy");
      const armed = cluster.xsim("host1", [
        "fault",
        "migration",
        "stopcopy",
        "--stall-after-pause-ms",
        `${HOLD_MS}`,
      ]);
      expect(armed, "compose started the hosts with fault injection allowed").toMatch(/^armed stopcopy/);
      const run = migrate(host1, { domain: "stopcopy", destination: "host3:50051" });
      await waitUntil(
        async () => PAUSED_STATE.test((await domainOn(host1, "stopcopy"))?.state ?? ""),
        PROGRESS_TIMEOUT_MS,
      );
      expect(await copiesOn(host1, "stopcopy"), "paused under its name: before the handover").toEqual([
        "stopcopy",
      ]);
      await killDestination("host3");
      expect(await outcomeOf(run), "the source reports the failure").toMatch(lostDestinationOutcome("host3"));
      expect(run.events.at(-1)?.status).toBe("failed");
      expect(run.events.at(-1)?.error).toMatch(lostDestination("host3"));
      await expectBackOnSource("stopcopy", checksum);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "during the handover (Go held): the source keeps its copy paused as NAME--migratedaway, status unknown, never two",
    async () => {
      docker(["start", cluster.host("host2").container.getId()]);
      const since = Date.now();
      await waitUntil(
        () => sampler.reads.some((r) => r.host === "host2" && r.sentMs > since && !r.error),
        RESTART_TIMEOUT_MS,
      );
      await createFilledGuest(host1, "handover", SMALL_GUEST_MEMORY_MIB, "idle");
      const checksum = await checksumOf(host1, "handover");
      const args = ["fault", "migration", "handover", "--stall-before-handover-ms", `${HOLD_MS}`];
      expect(cluster.xsim("host1", args)).toMatch(/^armed handover/);
      const run = migrate(host1, { domain: "handover", destination: "host2:50051" });
      await waitUntil(
        async () => (await domainOn(host1, "handover--migratedaway")) !== undefined,
        PROGRESS_TIMEOUT_MS,
      );
      await killDestination("host2");
      expect(await outcomeOf(run), "the source cannot know whether Go arrived, and says so").toBe(
        `error: 14 UNAVAILABLE: ${HANDOVER_UNKNOWN}`,
      );
      expect(run.events.at(-1)).toMatchObject({ status: "unknown", error: HANDOVER_UNKNOWN });
      const kept = await domainOn(host1, "handover--migratedaway");
      expect(kept?.state, "left paused (docs/specs/migration-protocol.md, ownership rule 3)").toMatch(
        PAUSED_STATE,
      );
      expect(await copiesOn(host1, "handover")).toEqual(["handover--migratedaway"]);
      expect(await checksumOf(host1, "handover--migratedaway")).toBe(checksum);
    },
    TEST_TIMEOUT_MS,
  );
});
