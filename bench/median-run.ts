import { simSecondsPerSecond as rateOf, type IdleClusterFigures } from "./simcluster.js";
import type { Row } from "./table.js";

/**
 * The idle runs the goal is judged on: each measures about half a second of wall time, so one
 * stall of the machine moves a single run's rate by a fifth. The median of this many runs, each in
 * a process of its own, with every run's rate printed beside it.
 */
export const IDLE_RUN_COUNT = 3;

/** The run of median rate (an odd count: the middle one; even: the lower of the two middle ones). */
export function medianRun<T extends IdleClusterFigures>(runs: readonly T[]): T {
  if (runs.length === 0) throw new Error("medianRun: no runs");
  const sorted = [...runs].sort((a, b) => rateOf(a) - rateOf(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The row that lists every run's rate, in the order run, under the median's rows. */
export function eachRunRow(runs: readonly IdleClusterFigures[]): Row {
  return {
    figure: `  each of its ${runs.length} runs (the median above)`,
    value: runs.map((run) => rateOf(run).toFixed(0)).join(", "),
    detail: "sim-s/s, each a process of its own, in the order run: the rate above is their median",
  };
}
