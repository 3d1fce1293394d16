export * from "./spec-model.js";
export { parseWorkloadSpec } from "./spec-parse.js";
export { formatWorkloadSpec } from "./spec-format.js";
export { formatByteSize, parseByteSize } from "./byte-size.js";
