import type { BusyClusterFigures } from "./simcluster.js";
import { formatSeconds, type Row } from "./table.js";

/**
 * The busy run's rate per CPU second of its main thread (the simulation), beside the process's:
 * the store worker and V8's GC and compiler threads take the rest. None where the OS does not say.
 */
export function mainThreadRows(
  busy: Pick<BusyClusterFigures, "simulatedMs" | "cpuMs" | "mainThreadCpuMs">,
): Row[] {
  if (busy.mainThreadCpuMs === undefined || busy.mainThreadCpuMs <= 0) return [];
  const otherCpuMs = Math.max(0, busy.cpuMs - busy.mainThreadCpuMs);
  return [
    {
      figure: "  per CPU second of the main thread",
      value: `${(busy.simulatedMs / busy.mainThreadCpuMs).toFixed(2)} sim-s/CPU-s`,
      detail: `${formatSeconds(busy.mainThreadCpuMs)} CPU on the main thread (the simulation); the process's other ${formatSeconds(otherCpuMs)} on its store worker and V8's GC and compiler threads`,
    },
  ];
}
