import { formatDurationNs } from "./duration.js";
import type { CpuDemandSpec } from "./spec.js";

/** The canonical spec string; `parseCpuDemandSpec(formatCpuDemandSpec(spec))` equals `spec`. */
export function formatCpuDemandSpec(spec: CpuDemandSpec): string {
  switch (spec.kind) {
    case "cpu":
    case "idle":
      return spec.kind;
    case "io":
      return `io:burst=${formatDurationNs(spec.burstNs)},sleep=${formatDurationNs(spec.sleepNs)}`;
    case "bursty":
      return `bursty:on=${formatDurationNs(spec.onNs)},off=${formatDurationNs(spec.offNs)}`;
  }
}
