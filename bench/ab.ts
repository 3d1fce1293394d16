import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { median, range } from "./summary.js";

// The pure parts of `npm run bench:ab`: what a side is, the order of the runs, the summary.

/** One build under test: a dist/ directory (bench/ab-build.sh makes one per commit) and node's flags for its host. */
export interface Side {
  label: string;
  distDir: string;
  /** node's own flags for this side's host process, e.g. `--max-semi-space-size=16`. */
  hostNodeArgs: string[];
}

export interface AbOptions {
  sides: Side[];
  roundCount: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Where each side's host writes its CPU profile (DIR/LABEL), when asked. */
  cpuProfDir?: string;
  /**
   * Round trips per run of the in-process measure (bench/ab-inprocess.ts: the host's handlers
   * alone, no gRPC), instead of real hosts; undefined: real hosts.
   */
  inProcessRoundTripCount?: number;
}

export const AB_ROUND_COUNT_DEFAULT = 5;
export const AB_CONCURRENCY_DEFAULT = 64;
export const AB_WARMUP_MS_DEFAULT = 1_000;
export const AB_DURATION_MS_DEFAULT = 3_000;
const LABEL_PATTERN = /^[A-Za-z0-9_.-]+$/;

export const AB_USAGE =
  "usage: npm run bench:ab -- [--rounds N] [--concurrency N] [--duration-ms MS] [--warmup-ms MS] " +
  "[--cpu-prof DIR] [--in-process N] SIDE SIDE...\n" +
  "  SIDE is [LABEL=]DIST[,NODEFLAG...]: a dist/ directory (bench/ab-build.sh COMMIT DIR builds one)\n" +
  "  and node flags for its host, e.g. new=dist old=/tmp/ab/a0ceb48/dist gc=dist,--max-semi-space-size=16\n" +
  "  --in-process N: N round trips through each build's Create/Destroy handlers in a process of their\n" +
  "  own (no gRPC, no ticks; steadier), instead of real hosts";

/** "[LABEL=]DIST[,NODEFLAG...]" → a side; the label defaults to the side's letter (A, B, ...). */
export function parseSide(text: string, index: number): Side {
  const [head = "", ...hostNodeArgs] = text.split(",");
  const equals = head.indexOf("=");
  const label = equals > 0 ? head.slice(0, equals) : String.fromCharCode(65 + index);
  const distDir = equals > 0 ? head.slice(equals + 1) : head;
  if (!LABEL_PATTERN.test(label))
    throw new Error(`side "${text}": label "${label}" must be letters, digits, . _ -`);
  if (distDir === "") throw new Error(`side "${text}": no dist directory`);
  const bad = hostNodeArgs.find((arg) => !arg.startsWith("--"));
  if (bad !== undefined) throw new Error(`side "${text}": node flag "${bad}" must start with --`);
  return { label, distDir: resolve(distDir), hostNodeArgs };
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} "${text}": a whole number >= 1`);
  return value;
}

export function parseAbOptions(args: string[]): AbOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: String(AB_ROUND_COUNT_DEFAULT) },
      concurrency: { type: "string", default: String(AB_CONCURRENCY_DEFAULT) },
      "warmup-ms": { type: "string", default: String(AB_WARMUP_MS_DEFAULT) },
      "duration-ms": { type: "string", default: String(AB_DURATION_MS_DEFAULT) },
      "cpu-prof": { type: "string" },
      "in-process": { type: "string" },
    },
  });
  if (positionals.length < 2) throw new Error(`bench:ab needs two sides or more\n${AB_USAGE}`);
  const sides = positionals.map(parseSide);
  const labels = new Set(sides.map((side) => side.label));
  if (labels.size !== sides.length) throw new Error("bench:ab: two sides have the same label");
  return {
    sides,
    roundCount: positiveInteger(values.rounds, "--rounds"),
    concurrency: positiveInteger(values.concurrency, "--concurrency"),
    warmupMs: positiveInteger(values["warmup-ms"], "--warmup-ms"),
    durationMs: positiveInteger(values["duration-ms"], "--duration-ms"),
    ...(values["cpu-prof"] ? { cpuProfDir: resolve(values["cpu-prof"]) } : {}),
    ...(values["in-process"] !== undefined
      ? { inProcessRoundTripCount: positiveInteger(values["in-process"], "--in-process") }
      : {}),
  };
}

/** The side order of each round: rotated by one each round, so each side runs first, last, in between alike. */
export function roundOrder(sideCount: number, round: number): number[] {
  return Array.from({ length: sideCount }, (_, i) => (i + round) % sideCount);
}

/** dist/services/host/main.js of a side; a clear error when the build is missing. */
export function hostMainPath(side: Side): string {
  const path = join(side.distDir, "services", "host", "main.js");
  if (!existsSync(path))
    throw new Error(`side ${side.label}: ${path} is missing (build it: bench/ab-build.sh COMMIT DIR)`);
  return path;
}

/**
 * The security flag a side's host takes: builds since the cluster's TLS (97f7c07) refuse to start
 * without `--insecure` or `--pki`; older builds know neither.
 */
export function securityArgs(hostMainSource: string): string[] {
  return hostMainSource.includes("insecure") ? ["--insecure"] : [];
}

export function hostSecurityArgs(mainPath: string): string[] {
  return securityArgs(readFileSync(mainPath, "utf8"));
}

export interface AbRun {
  roundTripsPerSecond: number;
  hostCpuUsPerRoundTrip: number;
  benchCpuUsPerRoundTrip: number;
}

/** One line per side: medians with their min..max over the rounds, and the host CPU relative to the first side. */
export function summarizeSides(sides: readonly Side[], runs: readonly AbRun[][]): string[] {
  const baseCpu = median((runs[0] ?? []).map((run) => run.hostCpuUsPerRoundTrip));
  return sides.map((side, i) => {
    const sideRuns = runs[i] ?? [];
    const rates = sideRuns.map((run) => run.roundTripsPerSecond);
    const hostCpu = sideRuns.map((run) => run.hostCpuUsPerRoundTrip);
    const benchCpu = sideRuns.map((run) => run.benchCpuUsPerRoundTrip);
    const cpu = median(hostCpu);
    return (
      `${side.label.padEnd(12)} host CPU/round trip median ${cpu.toFixed(0)} µs ` +
      `(${range(hostCpu, (v) => v.toFixed(0))}, ${(cpu / baseCpu).toFixed(3)} of ${sides[0]?.label}); ` +
      `round trips/s median ${median(rates).toFixed(0)} (${range(rates, (v) => v.toFixed(0))}); ` +
      `bench CPU/round trip ${median(benchCpu).toFixed(0)} µs; ${sideRuns.length} runs`
    );
  });
}

/** One line per side of the in-process measure: median CPU per round trip, spread, relative to the first side. */
export function summarizeInProcess(sides: readonly Side[], cpuUs: readonly number[][]): string[] {
  const base = median(cpuUs[0] ?? []);
  return sides.map((side, i) => {
    const values = cpuUs[i] ?? [];
    const value = median(values);
    return (
      `${side.label.padEnd(12)} CPU/round trip (handlers only) median ${value.toFixed(1)} µs ` +
      `(${range(values, (v) => v.toFixed(1))}, ${(value / base).toFixed(3)} of ${sides[0]?.label}); ${values.length} runs`
    );
  });
}
