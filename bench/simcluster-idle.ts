import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventsPerHostPerSecond, type ClockBaselineFigures, type IdleClusterFigures } from "./simcluster.js";
import { formatMb, formatSeconds, type Row } from "./table.js";

// bench:simcluster's idle half: what 1,000 idle hosts cost, measured, and what that implies, computed.

/** Issue 10: 1,000 idle hosts at >= 1,000 simulated seconds per wall second. */
export const IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL = 1000;

/** An idle run's figures, with the peak resident memory of the process that ran it (KiB). */
export interface IdleRunFigures extends IdleClusterFigures {
  maxRssKib: number;
}

export interface IdleRunRequest {
  seed: number;
  hostCount: number;
  simulatedMs: number;
  heartbeatIntervalMs: number;
  /** Count every event by cause (a slower run: its times mean nothing). */
  census?: boolean;
  /** node's own flags for the run's process, e.g. `--max-semi-space-size=64`. */
  nodeArgs?: readonly string[];
  /** Simulated time run first and not measured (IdleClusterOptions.warmupMs). */
  warmupMs?: number;
  /** IdleClusterOptions.ownSeconds: each host on its own timer a second. */
  ownSeconds?: boolean;
}

/** How long one idle run may take (1,000 hosts on a loaded 2-CPU machine take a few seconds). */
const IDLE_RUN_TIMEOUT_MS = 600_000;

/** Runs one idle cluster in a process of its own (simcluster-idle-run.ts): its RSS is its own. */
export function runIdleInChild(request: IdleRunRequest): IdleRunFigures {
  const script = fileURLToPath(new URL("./simcluster-idle-run.js", import.meta.url));
  const args = [request.seed, request.hostCount, request.simulatedMs, request.heartbeatIntervalMs].map(
    String,
  );
  const output = execFileSync(
    process.execPath,
    [
      ...(request.nodeArgs ?? []),
      script,
      ...args,
      ...(request.census ? ["census"] : []),
      ...(request.ownSeconds ? ["own-seconds"] : []),
      ...(request.warmupMs ? [`warmup=${request.warmupMs}`] : []),
    ],
    { encoding: "utf8", timeout: IDLE_RUN_TIMEOUT_MS, stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(output.trim().split("\n").pop() ?? "") as IdleRunFigures;
}

/** The measured cost of one idle host: wall and CPU microseconds per host per simulated second. */
export interface IdleHostCost {
  wallUsPerHostSecond: number;
  cpuUsPerHostSecond: number;
  wallUsPerEvent: number;
}

export function idleHostCost(idle: IdleClusterFigures): IdleHostCost {
  const hostSeconds = (idle.hostCount * idle.simulatedMs) / 1000;
  const events = idle.timerCountFired + idle.messageCountRelayed;
  return {
    wallUsPerHostSecond: (idle.wallMs * 1000) / hostSeconds,
    cpuUsPerHostSecond: (idle.cpuMs * 1000) / hostSeconds,
    wallUsPerEvent: (idle.wallMs * 1000) / events,
  };
}

/** The rows of one idle run: its rate, cost per host and per event, and its events per host. */
export function idleRunRows(
  title: string,
  idle: IdleClusterFigures | IdleRunFigures,
  withGoal: boolean,
  nodeFlags = "node's default flags",
): Row[] {
  const rate = idle.simulatedMs / idle.wallMs;
  const cost = idleHostCost(idle);
  const hostSeconds = (idle.hostCount * idle.simulatedMs) / 1000;
  return [
    {
      figure: title,
      value: `${rate.toFixed(0)} sim-s/s`,
      ...(withGoal
        ? {
            goal: `>= ${IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL}`,
            met: rate >= IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL,
          }
        : {}),
      detail: `${formatSeconds(idle.simulatedMs)} simulated in ${formatSeconds(idle.wallMs)} wall, ${idle.timerCountFired} timers`,
    },
    ...(idle.warmup
      ? [
          {
            figure: "  its warm-up, before the measured part",
            value: `${(idle.warmup.simulatedMs / idle.warmup.wallMs).toFixed(0)} sim-s/s`,
            detail: `${formatSeconds(idle.warmup.simulatedMs)} simulated in ${formatSeconds(idle.warmup.wallMs)} wall: the cluster's start and V8 compiling (not in the rate)`,
          },
        ]
      : []),
    {
      figure: "  per CPU second of this process",
      value: `${(idle.simulatedMs / idle.cpuMs).toFixed(0)} sim-s/CPU-s`,
      detail: `${formatSeconds(idle.cpuMs)} CPU`,
    },
    {
      figure: "  cost of one idle host",
      value: `${cost.wallUsPerHostSecond.toFixed(1)} us/host-s`,
      detail: `wall time per host per simulated second (${cost.cpuUsPerHostSecond.toFixed(1)} us of CPU)`,
    },
    {
      figure: "  seconds the shared second ran",
      value: `${((100 * idle.sharedSecondCount) / hostSeconds).toFixed(0)} %`,
      detail: `of the idle hosts' seconds: a repeat of the last heartbeat, one timer for all (host/shared-second.ts)`,
    },
    {
      figure: "  events per idle host per simulated second",
      value: eventsPerHostPerSecond(idle).toFixed(2),
      detail: `${idle.timerCountFired} timers fired + ${idle.messageCountRelayed} messages relayed without a timer; ${(idle.messageCountSent / hostSeconds).toFixed(2)} messages sent per host-s`,
    },
    {
      figure: "  wall time per event",
      value: `${cost.wallUsPerEvent.toFixed(2)} us`,
      detail: "all of the run's wall time over its events",
    },
    ...("maxRssKib" in idle
      ? [
          {
            figure: "  peak RSS of the run's process",
            value: formatMb(idle.maxRssKib),
            detail: `a process of its own (simcluster-idle-run.js), ${nodeFlags}`,
          },
        ]
      : []),
  ];
}

/**
 * The same run with each host on its own timer a second (no shared second): its rate and cost
 * beside the run's, as the comparison of what the shared second saves.
 */
export function ownSecondsRows(other: IdleRunFigures, run: IdleRunFigures): Row[] {
  const cost = idleHostCost(other);
  return [
    {
      figure: "  the same with each host's own timer a second",
      value: `${(other.simulatedMs / other.wallMs).toFixed(0)} sim-s/s`,
      detail: `${cost.wallUsPerHostSecond.toFixed(1)} us/host-s wall, ${cost.cpuUsPerHostSecond.toFixed(1)} us of CPU (${idleHostCost(run).cpuUsPerHostSecond.toFixed(1)} above); ${eventsPerHostPerSecond(other).toFixed(2)} events per host-s`,
    },
  ];
}

/** The same run with another young generation: its rate, cost and peak RSS beside the run's. */
export function youngGenerationRows(label: string, other: IdleRunFigures, run: IdleRunFigures): Row[] {
  const cost = idleHostCost(other);
  return [
    {
      figure: `  the same with ${label}`,
      value: `${(other.simulatedMs / other.wallMs).toFixed(0)} sim-s/s`,
      detail: `${cost.wallUsPerHostSecond.toFixed(1)} us/host-s wall, ${cost.cpuUsPerHostSecond.toFixed(1)} us of CPU (${idleHostCost(run).cpuUsPerHostSecond.toFixed(1)} above); peak RSS ${formatMb(other.maxRssKib)} (${formatMb(run.maxRssKib)} above)`,
    },
  ];
}

/** Census rows kept: the causes that make up nearly all of an idle host's events. */
const CENSUS_ROW_COUNT_MAX = 12;

/** The events of a census run by cause, per host per simulated second (counted, not timed). */
export function censusRows(run: IdleClusterFigures): Row[] {
  const hostSeconds = (run.hostCount * run.simulatedMs) / 1000;
  const rows = run.census ?? [];
  const shown = rows.slice(0, CENSUS_ROW_COUNT_MAX);
  const rest = rows.slice(CENSUS_ROW_COUNT_MAX).reduce((sum, row) => sum + row.count, 0);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  return [
    {
      figure: "  events by cause (a census run: counted)",
      value: `${(total / hostSeconds).toFixed(3)} /host-s`,
      detail: `${run.hostCount} hosts, ${formatSeconds(run.simulatedMs)} simulated; the function that set each timer or sent each message`,
    },
    ...shown.map((row) => ({
      figure: `    ${row.type} ${row.cause}`,
      value: `${(row.count / hostSeconds).toFixed(3)} /host-s`,
    })),
    ...(rest > 0 ? [{ figure: "    the rest", value: `${(rest / hostSeconds).toFixed(3)} /host-s` }] : []),
  ];
}

/**
 * Computed rows, each labelled so: the rate these events would reach if each cost what an empty
 * timer costs (hosts' timers share instants, so the clock's heap baseline, not one loop turn per
 * event, is the floor), and the budget per host that the goal leaves against what one host costs.
 */
export function idleCeilingRows(idle: IdleClusterFigures, baseline: ClockBaselineFigures): Row[] {
  const events = eventsPerHostPerSecond(idle);
  const budgetUs = 1e6 / (IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL * idle.hostCount);
  const cost = idleHostCost(idle);
  return [
    {
      figure: "  ceiling, computed: heap baseline / events per host-s / hosts",
      value: `${(baseline.heapTimersPerSecond / events / idle.hostCount).toFixed(0)} sim-s/s`,
      detail: "not measured: these events as empty timers fired by advanceMs alone",
    },
    {
      figure: "  goal's budget per idle host, computed",
      value: `${budgetUs.toFixed(2)} us/host-s`,
      detail: `not measured: 1 s / (${IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL} sim-s/s x ${idle.hostCount} hosts); an idle host costs ${(cost.wallUsPerHostSecond / budgetUs).toFixed(0)} x that (measured above)`,
    },
  ];
}
