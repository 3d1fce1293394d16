import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  AB_USAGE,
  hostMainPath,
  hostSecurityArgs,
  parseAbOptions,
  roundOrder,
  summarizeInProcess,
  summarizeSides,
  type AbOptions,
  type AbRun,
  type Side,
} from "./ab.js";
import type { InProcessResult } from "./ab-inprocess.js";
import { ChildSet, type ReadyChild } from "./children.js";
import { BenchHostClient, createDestroyOp, infoHostId } from "./host-ops.js";
import { machineBusyPercent, measureWithCpu } from "./measured.js";
import { procStatusKib } from "./proc.js";
import { formatMb } from "./table.js";

// `npm run bench:ab -- SIDE SIDE...`: create+destroy round trips against one host per build,
// interleaved run by run, so that the load of this shared machine weighs on every side alike.
// Judge by host CPU per round trip (steady under load), not by the rate.
const SETTLE_MS = 1_000;
const OP_COUNT_PER_RUN_MAX = 500_000;

interface RunningSide {
  side: Side;
  host: ReadyChild;
  client: BenchHostClient;
  op: () => Promise<void>;
}

async function startSide(
  children: ChildSet,
  side: Side,
  index: number,
  options: AbOptions,
): Promise<RunningSide> {
  const mainPath = hostMainPath(side);
  const nodeArgs = [...side.hostNodeArgs];
  if (options.cpuProfDir) {
    const dir = join(options.cpuProfDir, side.label);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push("--cpu-prof", "--cpu-prof-dir", dir);
  }
  const hostId = `ab${index + 1}`;
  const args = ["--host-id", hostId, "--listen", "127.0.0.1:0", ...hostSecurityArgs(mainPath)];
  const host = await children.startNode(`${side.label} host`, mainPath, args, nodeArgs);
  const client = new BenchHostClient(host.address);
  if ((await infoHostId(client)) !== hostId) throw new Error(`side ${side.label}: Info names another host`);
  return { side, host, client, op: createDestroyOp(client, `ab-${side.label}-`) };
}

const IN_PROCESS_PATH = join(import.meta.dirname, "ab-inprocess.js");

/** One in-process run of a side: a fresh process, so no side warms the JIT for another. */
function runInProcessSide(side: Side, roundTripCount: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [...side.hostNodeArgs, IN_PROCESS_PATH, side.distDir, String(roundTripCount)];
    execFile(process.execPath, args, (error, stdout, stderr) => {
      if (error) return reject(new Error(`side ${side.label}: ${stderr.trim() || error.message}`));
      resolve((JSON.parse(stdout) as InProcessResult).cpuUsPerRoundTrip);
    });
  });
}

async function mainInProcess(options: AbOptions, roundTripCount: number): Promise<void> {
  process.stdout.write(
    `xensim bench:ab --in-process: ${options.sides.length} builds, ${options.roundCount} rounds of ` +
      `${roundTripCount} round trips through the Create/Destroy handlers (no gRPC), a process per run\n`,
  );
  const cpu: number[][] = options.sides.map(() => []);
  for (let round = 0; round < options.roundCount; round++)
    for (const i of roundOrder(options.sides.length, round)) {
      const side = options.sides[i]!;
      const cpuUs = await runInProcessSide(side, roundTripCount);
      cpu[i]!.push(cpuUs);
      process.stdout.write(`  round ${round + 1} ${side.label}: ${cpuUs.toFixed(1)} µs CPU/round trip\n`);
    }
  process.stdout.write(`\n${summarizeInProcess(options.sides, cpu).join("\n")}\n`);
}

async function main(): Promise<void> {
  const options = parseAbOptions(process.argv.slice(2));
  if (options.inProcessRoundTripCount !== undefined)
    return mainInProcess(options, options.inProcessRoundTripCount);
  const children = new ChildSet();
  process.on("exit", () => children.killAllNow());
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  const running: RunningSide[] = [];
  try {
    for (const [i, side] of options.sides.entries())
      running.push(await startSide(children, side, i, options));
    const busyPercent = await machineBusyPercent(SETTLE_MS);
    process.stdout.write(
      `xensim bench:ab: ${options.sides.length} builds, ${options.roundCount} rounds, ${options.concurrency} in flight, ` +
        `warmup ${options.warmupMs} ms + ${options.durationMs} ms per run (machine ${busyPercent.toFixed(0)}% busy before)\n` +
        options.sides.map((s) => `  ${s.label}: ${s.distDir} ${s.hostNodeArgs.join(" ")}\n`).join(""),
    );
    const runs: AbRun[][] = options.sides.map(() => []);
    const rate = {
      concurrency: options.concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      opCountMax: OP_COUNT_PER_RUN_MAX,
    };
    // One uncounted run per side first: the JIT of both ends warms up over more than one warm-up.
    for (const side of running) await measureWithCpu(side.op, rate, side.host.pid);
    for (let round = 0; round < options.roundCount; round++) {
      for (const i of roundOrder(running.length, round)) {
        const side = running[i]!;
        const measured = await measureWithCpu(side.op, rate, side.host.pid);
        const run = {
          roundTripsPerSecond: measured.rate.opsPerSecond,
          hostCpuUsPerRoundTrip: measured.serverCpuUsPerOp,
          benchCpuUsPerRoundTrip: measured.clientCpuUsPerOp,
        };
        runs[i]!.push(run);
        process.stdout.write(
          `  round ${round + 1} ${side.side.label}: ${run.roundTripsPerSecond.toFixed(0)} round trips/s, ` +
            `host CPU ${run.hostCpuUsPerRoundTrip.toFixed(0)} µs/round trip\n`,
        );
      }
    }
    process.stdout.write(`\n${summarizeSides(options.sides, runs).join("\n")}\n`);
    for (const { side, host } of running)
      process.stdout.write(
        `${side.label.padEnd(12)} host RSS after the runs ${formatMb(procStatusKib(host.pid, "VmRSS"))}, ` +
          `peak (VmHWM) ${formatMb(procStatusKib(host.pid, "VmHWM"))}\n`,
      );
  } finally {
    for (const side of running) side.client.close();
    await children.stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:ab: ${error instanceof Error ? error.message : String(error)}\n${AB_USAGE}\n`,
    );
    process.exit(1);
  },
);
