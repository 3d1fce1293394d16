export { parseXlCfg, parseXlCfgStatements, LIST_DEPTH_MAX } from "./parser.js";
export { buildDomainConfig, OVERRIDE_SOURCE_NAME, type BuildDomainConfigOptions } from "./build.js";
export { parseDiskSpec } from "./disk-spec.js";
export { parseVifSpec, type VifDraft } from "./vif-spec.js";
export { DeviceSpecError } from "./device-spec-error.js";
export { XlCfgError, type XlCfgPosition } from "./errors.js";
export {
  applyStatements,
  type XlCfgFile,
  type XlCfgSetting,
  type XlCfgStatement,
  type XlCfgValue,
} from "./settings.js";
export type { DiskSpec, DomainConfig, DomainType, LifecycleAction, VifSpec } from "./domain-config.js";
