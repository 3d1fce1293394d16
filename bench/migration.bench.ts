import { cpus } from "node:os";
import { connectHost } from "../services/transport/grpc/host-client.js";
import { connectMigration } from "../services/transport/grpc/migration-service.js";
import { MIB, PAGE_SIZE_BYTES } from "../services/core/units.js";
import { HOST_NODE_FLAGS } from "../services/contracts/host-node-flags.js";
import { runBaselines, type BaselineSamples } from "./baselines.js";
import { ChildSet } from "./children.js";
import { HOST_MAIN_PATH } from "./host-ops.js";
import { machineBusyPercent } from "./measured.js";
import { modelFor } from "./migration-model.js";
import { createBigGuest, waitPopulated } from "./migration-ops.js";
import { parseOptions, type BenchOptions } from "./migration-options.js";
import { baselineRows, scenarioRows, throughputOf, type ScenarioFigures } from "./migration-report.js";
import {
  runScenario,
  type BenchHost,
  type GuestPlace,
  type MigrationRun,
  type Scenario,
} from "./migration-scenario.js";
import { formatTable, type Row } from "./table.js";

// `npm run bench:migration`: issue 3, "Benchmark and goals", between real host processes on loopback.
const HOST_LISTEN = ["127.0.1.1", "127.0.1.2"] as const;
const GUEST_NAME = "bench-mig";
const SETTLE_MS = 500;
const LEGEND = [
  "throughput = bytes transferred / total time, from each migration's final statistics (setup included);",
  "downtime = guest paused on the source until the destination runs it; rounds = dirty-sync-count;",
  "model = services/dom0/precopy/model.ts, uniform-random over the hot set, B = the measured round 1.",
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

async function startHosts(children: ChildSet, options: BenchOptions): Promise<[BenchHost, BenchHost]> {
  const start = async (index: 0 | 1): Promise<BenchHost> => {
    const hostId = `mig${index + 1}`;
    const args = ["--host-id", hostId, "--listen", `${HOST_LISTEN[index]}:0`];
    const nodeArgs = [...HOST_NODE_FLAGS, ...options.hostNodeArgs];
    const child = await children.startNode(hostId, HOST_MAIN_PATH, args, nodeArgs);
    const host = connectHost(child.address);
    const migration = connectMigration(child.address);
    return { hostId, address: child.address, pid: child.pid, host, migration };
  };
  return [await start(0), await start(1)];
}

async function runMigrations(
  children: ChildSet,
  options: BenchOptions,
  memoryBytes: number,
): Promise<ScenarioFigures[]> {
  const hosts = await startHosts(children, options);
  try {
    await createBigGuest(hosts[0].host, GUEST_NAME, options.memoryMib);
    const populateMs = await waitPopulated(hosts[0].host, GUEST_NAME, memoryBytes / PAGE_SIZE_BYTES);
    process.stderr.write(`guest of ${options.memoryMib} MiB populated in ${populateMs.toFixed(0)} ms\n`);
    const guest: GuestPlace = { name: GUEST_NAME, hostIndex: 0 };
    // One idle migration each way first, not counted: JIT warm-up, and each host process touches
    // fresh memory for the guest once (page faults, 1.2-1.6 s a GiB); later ones reuse it.
    const warmup = await runScenario(hosts, guest, WARMUP_SCENARIO, WARMUP_MIGRATION_COUNT, SETTLE_MS);
    for (const run of warmup) process.stderr.write(`warm-up (not counted): ${describeRun(run)}\n`);
    const figures: ScenarioFigures[] = [];
    for (const scenario of options.scenarios) {
      const runs = await runScenario(hosts, guest, scenario, options.migrationCount, SETTLE_MS);
      for (const run of runs) process.stderr.write(`${scenario.name}: ${describeRun(run)}\n`);
      const { model, bandwidth } = modelFor(scenario, runs, memoryBytes);
      figures.push({ scenario, runs, model, modelBandwidthBytesPerSecond: bandwidth });
    }
    return figures;
  } finally {
    for (const host of hosts) {
      host.host.close();
      host.migration.close();
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const children = new ChildSet(options.echoHosts);
  process.on("exit", () => children.killAllNow());
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  const memoryBytes = options.memoryMib * MIB;
  const busyPercent = await machineBusyPercent(SETTLE_MS);
  process.stdout.write(
    `xensim bench:migration: node ${process.version}, ${cpus().length} cpus (${busyPercent.toFixed(0)}% busy before), ` +
      `guest ${options.memoryMib} MiB, ${options.migrationCount} migrations per scenario (back and forth), ` +
      `unlimited bandwidth, loopback; hosts run with ${HOST_NODE_FLAGS.join(" ") || "no node flags"}\n${LEGEND}\n\n`,
  );
  try {
    // Baselines before and after the migrations: the machine's speed drifts, the median of both is fairer.
    const before = await runBaselines(children, HOST_LISTEN[0], memoryBytes, options.baselineRunCount);
    const figures = await runMigrations(children, options, memoryBytes);
    await children.stopAll();
    const after = await runBaselines(children, HOST_LISTEN[0], memoryBytes, options.baselineRunCount);
    const baselines: BaselineSamples = {
      tcpBytesPerSecond: [...before.tcpBytesPerSecond, ...after.tcpBytesPerSecond],
      grpcBytesPerSecond: [...before.grpcBytesPerSecond, ...after.grpcBytesPerSecond],
    };
    const rows: Row[] = [
      ...baselineRows(baselines),
      ...figures.flatMap((f) => scenarioRows(f, baselines, memoryBytes)),
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
