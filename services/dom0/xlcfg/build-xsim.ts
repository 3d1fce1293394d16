import type { DomainConfig, DomainType } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError } from "./errors.js";
import { readXsimIo } from "./build-xsim-io.js";

/** xensim's own keys; every key starting with this prefix must be one we know. */
export const XSIM_KEY_PREFIX = "xsim_";
const XSIM_KEYS = [
  "xsim_workload",
  "xsim_cpu",
  "xsim_os",
  "xsim_ha",
  "xsim_seed",
  "xsim_affinity",
  "xsim_anti_affinity",
  "xsim_io",
  "xsim_pv_drivers",
] as const;
/** Placement group names: the same token rules as host ids. */
const GROUP_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const XSIM_SEED_MAX = 0xffffffff;

/**
 * The xsim_* keys: workload and CPU demand (kept as text for the toolstack to check), guest OS,
 * HA policy, seed, placement groups.
 */
export function readXsim(reader: SettingsReader, type: DomainType): DomainConfig["xsim"] {
  const xsim: DomainConfig["xsim"] = {};
  const workload = reader.string("xsim_workload");
  if (workload !== undefined) xsim.workload = workload;
  const cpu = reader.string("xsim_cpu");
  if (cpu !== undefined) xsim.cpu = cpu;
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
  for (const [key, field] of [
    ["xsim_affinity", "affinity"],
    ["xsim_anti_affinity", "antiAffinity"],
  ] as const) {
    const group = reader.string(key);
    if (group === undefined) continue;
    if (!GROUP_NAME_PATTERN.test(group)) {
      throw new XlCfgError(
        reader.valuePosition(key),
        `invalid ${key} group "${group}" (letters, digits, . _ -)`,
      );
    }
    xsim[field] = group;
  }
  const seed = reader.boundedNumber("xsim_seed", 0, XSIM_SEED_MAX);
  if (seed !== undefined) xsim.seed = seed;
  readXsimIo(reader, type, xsim);
  const unknown = reader.unread().find((setting) => setting.key.startsWith(XSIM_KEY_PREFIX));
  if (unknown !== undefined) {
    throw new XlCfgError(
      unknown.keyPosition,
      `unknown xsim key "${unknown.key}" (known: ${XSIM_KEYS.join(", ")})`,
    );
  }
  return xsim;
}
