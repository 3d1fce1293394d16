import type { DomainConfig, DomainType } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError } from "./errors.js";

/** xensim's own keys; every key starting with this prefix must be one we know. */
export const XSIM_KEY_PREFIX = "xsim_";
const XSIM_KEYS = ["xsim_workload", "xsim_os", "xsim_ha", "xsim_seed"] as const;
export const XSIM_SEED_MAX = 0xffffffff;

/** The xsim_* keys: workload (kept as text for the toolstack to check), guest OS, HA policy, seed. */
export function readXsim(reader: SettingsReader, type: DomainType): DomainConfig["xsim"] {
  const xsim: DomainConfig["xsim"] = {};
  const workload = reader.string("xsim_workload");
  if (workload !== undefined) xsim.workload = workload;
  const os = reader.string("xsim_os");
  if (os !== undefined) {
    if (os.toLowerCase() === "windows" && type !== "hvm") {
      throw new XlCfgError(
        reader.valuePosition("xsim_os"),
        `a Windows guest must be HVM (type is "${type}")`,
      );
    }
    xsim.os = os;
  }
  const ha = reader.string("xsim_ha");
  if (ha !== undefined) {
    if (ha !== "restart" && ha !== "best-effort") {
      throw new XlCfgError(
        reader.valuePosition("xsim_ha"),
        `invalid xsim_ha "${ha}" (restart or best-effort)`,
      );
    }
    xsim.ha = ha;
  }
  const seed = reader.boundedNumber("xsim_seed", 0, XSIM_SEED_MAX);
  if (seed !== undefined) xsim.seed = seed;
  const unknown = reader.unread().find((setting) => setting.key.startsWith(XSIM_KEY_PREFIX));
  if (unknown !== undefined) {
    throw new XlCfgError(
      unknown.keyPosition,
      `unknown xsim key "${unknown.key}" (known: ${XSIM_KEYS.join(", ")})`,
    );
  }
  return xsim;
}
