import { FillWorkload } from "./fill.js";
import { IdleWorkload } from "./idle.js";
import type { WorkloadSpec } from "./spec-model.js";
import { SweepWorkload } from "./sweep.js";
import { UniformWorkload } from "./uniform.js";
import type { Workload } from "./workload.js";
import { WwsWorkload } from "./wws.js";

/** A fresh workload (no carry, sweep and fill start at pfn 0) for one domain. */
export function createWorkload(spec: WorkloadSpec): Workload {
  switch (spec.kind) {
    case "idle":
      return new IdleWorkload(spec);
    case "uniform":
      return new UniformWorkload(spec);
    case "wws":
      return new WwsWorkload(spec);
    case "sweep":
      return new SweepWorkload(spec);
    case "fill":
      return new FillWorkload(spec);
  }
}
