import type { BusyClusterFigures } from "./simcluster.js";
import { formatSeconds, type Row } from "./table.js";

/**
 * The busy run's warm-up, printed apart from the rate it is left out of: the same cluster and load
 * over the first simulated seconds, while V8 compiles the tick, write and migration paths.
 */
export function busyWarmupRows(busy: Pick<BusyClusterFigures, "warmup">): Row[] {
  const warmup = busy.warmup;
  if (warmup === undefined) return [];
  return [
    {
      figure: "  warm-up before it (not in the rate)",
      value: `${(warmup.simulatedMs / warmup.wallMs).toFixed(2)} sim-s/s`,
      detail: `${formatSeconds(warmup.simulatedMs)} simulated in ${formatSeconds(warmup.wallMs)} wall, ${formatSeconds(warmup.cpuMs)} CPU (${(warmup.simulatedMs / warmup.cpuMs).toFixed(2)} sim-s/CPU-s): the same load and migrations while V8 compiles`,
    },
  ];
}

/** The node flags of this run, which the figures depend on (npm's script sets the old space: package.json). */
export function nodeFlagsText(): string {
  return process.execArgv.length > 0 ? `(${process.execArgv.join(" ")})` : "(no flags)";
}
