export * from "./spec.js";
export { parseCpuDemandSpec } from "./parse.js";
export { formatCpuDemandSpec } from "./format.js";
export { VcpuDemand, THROTTLE_FRACTION_MAX, THROTTLE_RUN_NS } from "./vcpu-demand.js";
