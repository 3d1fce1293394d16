import { cpus } from "node:os";
import { connectHost } from "../services/transport/grpc/host-client.js";
import { connectMigrationAs } from "../services/transport/grpc/migration-service.js";
import { MIB, PAGE_SIZE_BYTES } from "../services/core/units.js";
import { HOST_NODE_FLAGS } from "../services/contracts/host-node-flags.js";
import { runBaselines, type BaselineSamples } from "./baselines.js";
import { BenchPki, type BenchSecurityMode } from "./bench-pki.js";
import { BULK_HOST_ID } from "./bulk-service.js";
import { ChildSet } from "./children.js";
import { HOST_MAIN_PATH } from "./host-ops.js";
import { machineBusyPercent } from "./measured.js";
import { modelFor } from "./migration-model.js";
import { createBigGuest, waitPopulated } from "./migration-ops.js";
import { parseOptions, type BenchOptions } from "./migration-options.js";
import {
  baselineRows,
  scenarioRows,
  throughputOf,
  tlsCostRows,
  type ScenarioFigures,
} from "./migration-report.js";
import {
  runScenario,
  type BenchHost,
  type GuestPlace,
  type MigrationRun,
  type Scenario,
} from "./migration-scenario.js";
import { formatTable, type Row } from "./table.js";

// `npm run bench:migration`: issue 3, "Benchmark and goals", between real host processes on loopback;
// issue 11: the same migrations between hosts with the cluster's TLS, interleaved with those without.
const HOST_LISTEN: Record<BenchSecurityMode, readonly [string, string]> = {
  insecure: ["127.0.1.1", "127.0.1.2"],
  tls: ["127.0.1.3", "127.0.1.4"],
};
const MODES: readonly BenchSecurityMode[] = ["insecure", "tls"];
const GUEST_NAME = "bench-mig";
const SETTLE_MS = 500;
const LEGEND = [
  "throughput = bytes transferred / total time, from each migration's final statistics (setup included);",
  "downtime = guest paused on the source until the destination runs it; rounds = dirty-sync-count;",
  "model = services/dom0/precopy/model.ts, uniform-random over the hot set, B = the measured round 1.",
  "TLS: a second pair of hosts with the cluster's mutual TLS (--pki), each of its migrations right after",
  "one of the pair without (--insecure); its ratios are to the baselines over TLS too (node tls, grpc-js TLS).",
].join("\n");

const WARMUP_MIGRATION_COUNT = 2;
const WARMUP_SCENARIO: Scenario = {
  name: "warm-up",
  workload: "idle",
  policy: "xen",
  downtimeLimitMs: 0,
  downtimeGoalMs: 0,
};

function describeRun(run: MigrationRun): string {
  const stats = run.stats;
  return (
    `${stats.status}, ${(throughputOf(stats) / 1e6).toFixed(0)} MB/s, downtime ${stats.downtimeMs.toFixed(1)} ms, ` +
    `${stats.dirtySyncCount} rounds; CPU source ${run.sourceCpuMs} ms, destination ${run.destinationCpuMs} ms`
  );
}

async function startHosts(
  children: ChildSet,
  options: BenchOptions,
  pki: BenchPki,
  mode: BenchSecurityMode,
): Promise<[BenchHost, BenchHost]> {
  const start = async (index: 0 | 1): Promise<BenchHost> => {
    const hostId = `${mode === "tls" ? "tls" : "mig"}${index + 1}`;
    const args = [
      "--host-id",
      hostId,
      "--listen",
      `${HOST_LISTEN[mode][index]}:0`,
      ...pki.hostArgs(mode, hostId),
    ];
    const nodeArgs = [...HOST_NODE_FLAGS, ...options.hostNodeArgs];
    const child = await children.startNode(hostId, HOST_MAIN_PATH, args, nodeArgs);
    const host = connectHost(child.address, pki.security(mode));
    const migration = connectMigrationAs(child.address, pki.security(mode));
    return { hostId, address: child.address, pid: child.pid, host, migration };
  };
  return [await start(0), await start(1)];
}

type ByMode<T> = Record<BenchSecurityMode, T>;

/** A pair of hosts per mode, each with the guest populated and warmed up by two migrations. */
async function preparePairs(
  children: ChildSet,
  options: BenchOptions,
  pki: BenchPki,
  memoryBytes: number,
): Promise<ByMode<[BenchHost, BenchHost]>> {
  const pairs = {
    insecure: await startHosts(children, options, pki, "insecure"),
    tls: await startHosts(children, options, pki, "tls"),
  };
  for (const mode of MODES) {
    const source = pairs[mode][0].host;
    await createBigGuest(source, GUEST_NAME, options.memoryMib);
    const populateMs = await waitPopulated(source, GUEST_NAME, memoryBytes / PAGE_SIZE_BYTES);
    process.stderr.write(
      `${mode}: guest of ${options.memoryMib} MiB populated in ${populateMs.toFixed(0)} ms\n`,
    );
  }
  return pairs;
}

async function runMigrations(
  children: ChildSet,
  options: BenchOptions,
  pki: BenchPki,
  memoryBytes: number,
): Promise<ByMode<ScenarioFigures[]>> {
  const pairs = await preparePairs(children, options, pki, memoryBytes);
  try {
    const guests: ByMode<GuestPlace> = {
      insecure: { name: GUEST_NAME, hostIndex: 0 },
      tls: { name: GUEST_NAME, hostIndex: 0 },
    };
    // One idle migration each way first, not counted: JIT warm-up, and each host process touches
    // fresh memory for the guest once (page faults, 1.2-1.6 s a GiB); later ones reuse it.
    for (const mode of MODES) {
      const warmup = await runScenario(
        pairs[mode],
        guests[mode],
        WARMUP_SCENARIO,
        WARMUP_MIGRATION_COUNT,
        SETTLE_MS,
      );
      for (const run of warmup) process.stderr.write(`${mode} warm-up (not counted): ${describeRun(run)}\n`);
    }
    const figures: ByMode<ScenarioFigures[]> = { insecure: [], tls: [] };
    for (const scenario of options.scenarios) {
      const runs: ByMode<MigrationRun[]> = { insecure: [], tls: [] };
      // Interleaved, the order swapped each time: one migration without TLS, one with, then one with
      // and one without, so both see the same machine.
      for (let index = 0; index < options.migrationCount; index++)
        for (const mode of index % 2 === 0 ? MODES : [...MODES].reverse()) {
          const [run] = await runScenario(pairs[mode], guests[mode], scenario, 1, SETTLE_MS);
          if (!run) throw new Error(`${scenario.name}: no run`);
          process.stderr.write(`${scenario.name} (${mode}): ${describeRun(run)}\n`);
          runs[mode].push(run);
        }
      for (const mode of MODES) {
        const { model, bandwidth } = modelFor(scenario, runs[mode], memoryBytes);
        figures[mode].push({ scenario, runs: runs[mode], model, modelBandwidthBytesPerSecond: bandwidth });
      }
    }
    return figures;
  } finally {
    for (const host of [...pairs.insecure, ...pairs.tls]) {
      host.host.close();
      host.migration.close();
    }
  }
}

/** Baselines without and with TLS, one after the other. */
async function baselinesBothWays(
  children: ChildSet,
  pki: BenchPki,
  memoryBytes: number,
  runCount: number,
): Promise<ByMode<BaselineSamples>> {
  const listen = HOST_LISTEN.insecure[0];
  return {
    insecure: await runBaselines(children, listen, memoryBytes, runCount),
    tls: await runBaselines(children, listen, memoryBytes, runCount, pki),
  };
}

function merged(before: BaselineSamples, after: BaselineSamples): BaselineSamples {
  return {
    tcpBytesPerSecond: [...before.tcpBytesPerSecond, ...after.tcpBytesPerSecond],
    grpcBytesPerSecond: [...before.grpcBytesPerSecond, ...after.grpcBytesPerSecond],
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const children = new ChildSet(options.echoHosts);
  process.on("exit", () => children.killAllNow());
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  const memoryBytes = options.memoryMib * MIB;
  const pki = new BenchPki(["mig1", "mig2", "tls1", "tls2", BULK_HOST_ID]);
  process.on("exit", () => pki.remove());
  const busyPercent = await machineBusyPercent(SETTLE_MS);
  process.stdout.write(
    `xensim bench:migration: node ${process.version}, ${cpus().length} cpus (${busyPercent.toFixed(0)}% busy before), ` +
      `guest ${options.memoryMib} MiB, ${options.migrationCount} migrations per scenario (back and forth), ` +
      `unlimited bandwidth, loopback; hosts run with ${HOST_NODE_FLAGS.join(" ") || "no node flags"}\n${LEGEND}\n\n`,
  );
  try {
    // Baselines before and after the migrations: the machine's speed drifts, the median of both is fairer.
    const before = await baselinesBothWays(children, pki, memoryBytes, options.baselineRunCount);
    const figures = await runMigrations(children, options, pki, memoryBytes);
    await children.stopAll();
    const after = await baselinesBothWays(children, pki, memoryBytes, options.baselineRunCount);
    const baselines = {
      insecure: merged(before.insecure, after.insecure),
      tls: merged(before.tls, after.tls),
    };
    const rows: Row[] = [
      ...baselineRows(baselines.insecure),
      ...baselineRows(baselines.tls, " over TLS"),
      ...figures.insecure.flatMap((f) => scenarioRows(f, baselines.insecure, memoryBytes)),
      ...figures.tls.flatMap((f) => scenarioRows(f, baselines.tls, memoryBytes, " (TLS)")),
      ...tlsCostRows(figures.insecure, figures.tls),
    ];
    process.stdout.write(`${formatTable(rows)}\n`);
  } finally {
    await children.stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:migration: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
