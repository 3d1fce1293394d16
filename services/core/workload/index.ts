export * from "./spec.js";
export type { Workload } from "./workload.js";
export { createWorkload } from "./create-workload.js";
export { WRITE_COUNT_PER_RUN_MAX } from "./write-budget.js";
export { populateAll } from "./page-writes.js";
