import { parseArgs } from "node:util";
import { MIB, PAGE_SIZE_BYTES } from "../services/core/units.js";
import { GOAL_HOT_SET_DOWNTIME_MS, GOAL_IDLE_DOWNTIME_MS } from "./migration-report.js";
import type { Scenario } from "./migration-scenario.js";

// The scenarios and command-line options of `npm run bench:migration`.
const HOT_SET_BYTES = 64 * MIB;
const HOT_SET_RATE_PAGES_PER_SECOND = 51_200;
const HOT_WORKLOAD = `wws:hot=64M,rate=${HOT_SET_RATE_PAGES_PER_SECOND}`;
const HOT_DIRTYING = {
  workingSetBytes: HOT_SET_BYTES,
  dirtyBytesPerSecond: HOT_SET_RATE_PAGES_PER_SECOND * PAGE_SIZE_BYTES,
};

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "idle",
    workload: "idle",
    policy: "xen",
    downtimeLimitMs: 0,
    downtimeGoalMs: GOAL_IDLE_DOWNTIME_MS,
  },
  {
    name: "hot 64M@200MB/s, qemu 300 ms",
    workload: HOT_WORKLOAD,
    policy: "qemu",
    downtimeLimitMs: 0,
    downtimeGoalMs: GOAL_HOT_SET_DOWNTIME_MS,
    dirtying: HOT_DIRTYING,
  },
  {
    name: "hot 64M@200MB/s, qemu 100 ms",
    workload: HOT_WORKLOAD,
    policy: "qemu",
    downtimeLimitMs: GOAL_HOT_SET_DOWNTIME_MS,
    downtimeGoalMs: GOAL_HOT_SET_DOWNTIME_MS,
    dirtying: HOT_DIRTYING,
  },
  {
    name: "hot 64M@200MB/s, xen",
    workload: HOT_WORKLOAD,
    policy: "xen",
    downtimeLimitMs: 0,
    downtimeGoalMs: 0,
    dirtying: HOT_DIRTYING,
  },
];

export interface BenchOptions {
  memoryMib: number;
  migrationCount: number;
  baselineRunCount: number;
  scenarios: readonly Scenario[];
  /** node's flags for both host processes, e.g. `--cpu-prof --cpu-prof-dir DIR` or `--trace-gc`. */
  hostNodeArgs: string[];
  /** Copy what the host processes print to stderr (with --trace-gc, say). */
  echoHosts: boolean;
}

export function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      "memory-mib": { type: "string", default: "1024" },
      migrations: { type: "string", default: "6" },
      "baseline-runs": { type: "string", default: "2" },
      scenarios: { type: "string", default: SCENARIOS.map((_, i) => String(i)).join(",") },
      "profile-dir": { type: "string" },
      "host-node-args": { type: "string", default: "" },
      "echo-hosts": { type: "boolean", default: false },
    },
  });
  const count = (text: string, flag: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a whole number >= 1`);
    return value;
  };
  const scenarios = values.scenarios.split(",").map((index) => {
    const scenario = SCENARIOS[Number(index)];
    if (!scenario) throw new Error(`--scenarios: no scenario ${index} (0..${SCENARIOS.length - 1})`);
    return scenario;
  });
  return {
    memoryMib: count(values["memory-mib"], "--memory-mib"),
    migrationCount: count(values.migrations, "--migrations"),
    baselineRunCount: count(values["baseline-runs"], "--baseline-runs"),
    scenarios,
    echoHosts: values["echo-hosts"],
    hostNodeArgs: [
      ...(values["profile-dir"] ? ["--cpu-prof", "--cpu-prof-dir", values["profile-dir"]] : []),
      ...values["host-node-args"].split(" ").filter((arg) => arg !== ""),
    ],
  };
}
