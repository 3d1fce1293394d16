import type { WorkloadSpec } from "../core/workload/spec-model.js";
import { KIB } from "../core/units.js";
import { ToolstackError } from "./errors.js";

/**
 * Why a workload cannot run in a guest of `maxmemKib`, or undefined when it can: a writable working
 * set larger than the most memory the guest may ever hold would never be what the user meant.
 */
export function workloadFitProblem(spec: WorkloadSpec, maxmemKib: number): string | undefined {
  if (spec.kind !== "wws") return undefined;
  const maxmemByteCount = maxmemKib * KIB;
  if (spec.hotByteCount <= maxmemByteCount) return undefined;
  return `hot set of ${spec.hotByteCount} bytes is larger than the guest's maxmem of ${maxmemByteCount} bytes (${maxmemKib / 1024} MiB)`;
}

/** Refuses a workload that does not fit the guest with INVALID_ARGUMENT naming the field. */
export function checkWorkloadFits(spec: WorkloadSpec, maxmemKib: number, field: string): void {
  const problem = workloadFitProblem(spec, maxmemKib);
  if (problem !== undefined) throw new ToolstackError("INVALID_ARGUMENT", `${field}: ${problem}`);
}
