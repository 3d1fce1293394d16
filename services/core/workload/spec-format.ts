import { formatByteSize } from "./byte-size.js";
import type { WorkloadSpec } from "./spec-model.js";

/** The canonical spec string; `parseWorkloadSpec(formatWorkloadSpec(spec))` equals `spec`. */
export function formatWorkloadSpec(spec: WorkloadSpec): string {
  switch (spec.kind) {
    case "idle":
      return "idle";
    case "uniform":
    case "sweep":
      return `${spec.kind}:rate=${spec.ratePagesPerSecond}`;
    case "wws": {
      const cold = spec.coldRatePagesPerSecond === 0 ? "" : `,cold=${spec.coldRatePagesPerSecond}`;
      return `wws:hot=${formatByteSize(spec.hotByteCount)},rate=${spec.ratePagesPerSecond}${cold}`;
    }
    case "fill":
      return spec.ratePagesPerSecond === undefined ? "fill" : `fill:rate=${spec.ratePagesPerSecond}`;
  }
}
