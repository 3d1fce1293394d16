import type { MigrationStats } from "../services/gen/xensim/v1/migration.js";
import type { PrecopyModelResult } from "../services/dom0/precopy/model.js";
import type { BaselineSamples } from "./baselines.js";
import type { MigrationRun, Scenario } from "./migration-scenario.js";
import { maximum, median, range } from "./summary.js";
import type { Row } from "./table.js";

/** Goals of issue 3, "Benchmark and goals". */
export const GOAL_RATIO_TO_GRPC = 0.8;
export const GOAL_RATIO_TO_TCP = 0.4;
export const GOAL_IDLE_DOWNTIME_MS = 20;
export const GOAL_HOT_SET_DOWNTIME_MS = 100;

export interface ScenarioFigures {
  scenario: Scenario;
  runs: MigrationRun[];
  /** The analytic model's prediction, for scenarios with a uniform-random working set. */
  model: PrecopyModelResult | undefined;
  modelBandwidthBytesPerSecond: number;
}

const mbPerSecond = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
const gbPerSecond = (bytesPerSecond: number) => `${(bytesPerSecond / 1e9).toFixed(2)} GB/s`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const fixed = (digits: number) => (value: number) => value.toFixed(digits);

export function throughputOf(stats: MigrationStats): number {
  return stats.totalTimeMs > 0 ? (stats.bytesTransferred * 1000) / stats.totalTimeMs : 0;
}

/** Round 1 (the full copy) alone: the data plane's rate without the handshake and downtime. */
export function firstRoundRateOf(stats: MigrationStats): number {
  const first = stats.rounds[0];
  return first && first.durationMs > 0 ? (first.bytesSent * 1000) / first.durationMs : 0;
}

export function baselineRows(baselines: BaselineSamples, over = ""): Row[] {
  return [
    {
      figure: `raw TCP (node net, 1 MiB writes)${over}`,
      value: gbPerSecond(median(baselines.tcpBytesPerSecond)),
      detail: `runs ${range(baselines.tcpBytesPerSecond, (v) => (v / 1e9).toFixed(2))} GB/s`,
    },
    {
      figure: `bare grpc-js server stream (256 KiB msgs)${over}`,
      value: gbPerSecond(median(baselines.grpcBytesPerSecond)),
      detail: `runs ${range(baselines.grpcBytesPerSecond, (v) => (v / 1e9).toFixed(2))} GB/s`,
    },
  ];
}

export function scenarioRows(
  figures: ScenarioFigures,
  baselines: BaselineSamples,
  memoryBytes: number,
  /** Added to the scenario's name, e.g. " (TLS)": its baselines are then the TLS ones. */
  suffix = "",
): Row[] {
  const scenario = { ...figures.scenario, name: `${figures.scenario.name}${suffix}` };
  const runs = figures.runs.filter((run) => run.stats.status === "completed");
  const failed = figures.runs.filter((run) => run.stats.status !== "completed");
  if (runs.length === 0) return [failedRow(scenario, failed)];
  const stats = runs.map((run) => run.stats);
  const throughputs = stats.map(throughputOf);
  const throughput = median(throughputs);
  const isIdle = scenario.workload === "idle";
  const downtimes = stats.map((s) => s.downtimeMs);
  const downtimeGoalMs = scenario.downtimeGoalMs;
  const rounds = stats.map((s) => s.dirtySyncCount);
  const sentPerByte = stats.map((s) => s.bytesTransferred / memoryBytes);
  const ratioGrpc = throughput / median(baselines.grpcBytesPerSecond);
  const ratioTcp = throughput / median(baselines.tcpBytesPerSecond);
  const rows: Row[] = [
    {
      figure: `${scenario.name}: throughput`,
      value: mbPerSecond(throughput),
      detail:
        `${runs.length} of ${figures.runs.length} completed; ` +
        `runs ${range(throughputs, (v) => (v / 1e6).toFixed(0))} MB/s; round 1 ` +
        `${mbPerSecond(median(stats.map(firstRoundRateOf)))}; setup ${ms(median(stats.map((s) => s.setupTimeMs)))}; ` +
        `total ${ms(median(stats.map((s) => s.totalTimeMs)))}`,
    },
    ratioRow("  / bare grpc-js stream", ratioGrpc, isIdle ? GOAL_RATIO_TO_GRPC : 0),
    ratioRow("  / raw TCP", ratioTcp, isIdle ? GOAL_RATIO_TO_TCP : 0),
    {
      figure: "  downtime median",
      value: ms(median(downtimes)),
      ...(downtimeGoalMs > 0
        ? { goal: `<= ${downtimeGoalMs} ms`, met: median(downtimes) <= downtimeGoalMs }
        : {}),
      detail: `max ${ms(maximum(downtimes))}; runs ${downtimes.map(fixed(1)).join(", ")}`,
    },
    {
      figure: "  downtime max",
      value: ms(maximum(downtimes)),
      ...(downtimeGoalMs > 0
        ? { goal: `<= ${downtimeGoalMs} ms`, met: maximum(downtimes) <= downtimeGoalMs }
        : {}),
      detail: `stop-and-copy bytes ${range(
        stats.map((s) => s.downtimeBytes / 1e6),
        fixed(1),
      )} MB`,
    },
    {
      figure: "  rounds (dirty-sync-count)",
      value: fixed(0)(median(rounds)),
      detail: `runs ${rounds.join(", ")}; stop: ${stats[0]?.stopReason ?? "-"}`,
    },
    {
      figure: "  bytes sent / byte of memory",
      value: fixed(3)(median(sentPerByte)),
      detail: `runs ${range(sentPerByte, fixed(3))}`,
    },
    {
      figure: "  host CPU per migration",
      value: `${(median(runs.map((r) => r.sourceCpuMs + r.destinationCpuMs)) / 1000).toFixed(2)} s`,
      detail:
        `source ${(median(runs.map((r) => r.sourceCpuMs)) / 1000).toFixed(2)} s, ` +
        `destination ${(median(runs.map((r) => r.destinationCpuMs)) / 1000).toFixed(2)} s`,
    },
  ];
  return figures.model ? [...rows, ...modelRows(figures, stats, memoryBytes)] : rows;
}

/**
 * What TLS costs each scenario, from the same run (its migrations interleaved with those without):
 * the median throughput and downtime with TLS against without, and the host CPU each took.
 */
export function tlsCostRows(insecure: readonly ScenarioFigures[], tls: readonly ScenarioFigures[]): Row[] {
  return insecure.flatMap((plain, index) => {
    const secured = tls[index];
    const completed = (f: ScenarioFigures) => f.runs.filter((run) => run.stats.status === "completed");
    if (!secured || completed(plain).length === 0 || completed(secured).length === 0) return [];
    const figuresOf = (f: ScenarioFigures) => {
      const runs = completed(f);
      return {
        throughput: median(runs.map((run) => throughputOf(run.stats))),
        downtimeMs: median(runs.map((run) => run.stats.downtimeMs)),
        cpuMs: median(runs.map((run) => run.sourceCpuMs + run.destinationCpuMs)),
      };
    };
    const [a, b] = [figuresOf(plain), figuresOf(secured)];
    return [
      {
        figure: `TLS cost, ${plain.scenario.name}: throughput TLS / none`,
        value: (b.throughput / a.throughput).toFixed(2),
        detail: `${mbPerSecond(b.throughput)} with TLS, ${mbPerSecond(a.throughput)} without (medians, same run)`,
      },
      {
        figure: "  downtime with TLS / without",
        value: `${ms(b.downtimeMs)} / ${ms(a.downtimeMs)}`,
      },
      {
        figure: "  host CPU per migration with TLS / without",
        value: `${(b.cpuMs / 1000).toFixed(2)} s / ${(a.cpuMs / 1000).toFixed(2)} s`,
        detail: "source + destination",
      },
    ];
  });
}

function failedRow(scenario: Scenario, failed: MigrationRun[]): Row {
  const first = failed[0]?.stats;
  return {
    figure: `${scenario.name}: throughput`,
    value: "-",
    ...(scenario.downtimeGoalMs > 0 ? { goal: `<= ${scenario.downtimeGoalMs} ms`, met: false } : {}),
    detail: `0 of ${failed.length} completed: ${first?.status ?? "?"} (${first?.error ?? ""})`,
  };
}

function ratioRow(figure: string, ratio: number, goal: number): Row {
  return {
    figure,
    value: ratio.toFixed(2),
    ...(goal > 0 ? { goal: `>= ${goal}`, met: ratio >= goal } : {}),
  };
}

function modelRows(figures: ScenarioFigures, stats: MigrationStats[], memoryBytes: number): Row[] {
  const model = figures.model!;
  const measuredRounds = median(stats.map((s) => s.dirtySyncCount));
  const measuredBytes = median(stats.map((s) => s.bytesTransferred));
  const measuredDowntime = median(stats.map((s) => s.downtimeMs));
  return [
    {
      figure: "  model: rounds",
      value: String(model.rounds.length),
      detail: `measured ${measuredRounds}; B = ${mbPerSecond(figures.modelBandwidthBytesPerSecond)} (measured round 1)`,
    },
    {
      figure: "  model: bytes sent / memory",
      value: (model.bytesSentTotal / memoryBytes).toFixed(3),
      detail: `measured ${(measuredBytes / memoryBytes).toFixed(3)}`,
    },
    {
      figure: "  model: downtime",
      value: model.downtimeMs === null ? "aborts" : ms(model.downtimeMs),
      detail:
        model.downtimeMs === null
          ? `the model's policy aborts: ${model.decision.reason}`
          : `measured ${ms(measuredDowntime)} (model: last dirty set / B, no round trips)`,
    },
  ];
}
