import { ToolstackError } from "../errors.js";
import type { DomainConfig } from "./domain-config.js";

const REQUIRED_NUMBERS = ["memoryMib", "maxmemMib", "vcpus", "maxvcpus", "cpuWeight", "cap"] as const;

/**
 * A DomainConfig that arrives as JSON (from the scheduler, or a migration's Prepare) instead of
 * xl.cfg text: checked for shape, since it did not pass through the xl.cfg builder here.
 */
export function configFromJson(json: string): DomainConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ToolstackError("INVALID_ARGUMENT", "config_json is not JSON");
  }
  const config = value as DomainConfig;
  if (typeof config !== "object" || config === null)
    throw new ToolstackError("INVALID_ARGUMENT", "config_json is not an object");
  if (typeof config.name !== "string" || config.name === "")
    throw new ToolstackError("INVALID_ARGUMENT", "config_json has no name");
  if (!["pv", "pvh", "hvm"].includes(config.type))
    throw new ToolstackError("INVALID_ARGUMENT", `config_json type "${String(config.type)}"`);
  for (const key of REQUIRED_NUMBERS) {
    if (typeof config[key] !== "number" || !Number.isFinite(config[key]))
      throw new ToolstackError("INVALID_ARGUMENT", `config_json ${key} is not a number`);
  }
  if (config.maxmemMib < config.memoryMib || config.maxvcpus < config.vcpus || config.vcpus < 1) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      "config_json sizes are inconsistent (maxmem < memory or maxvcpus < vcpus)",
    );
  }
  if (!Array.isArray(config.disks) || !Array.isArray(config.vifs) || typeof config.xsim !== "object") {
    throw new ToolstackError("INVALID_ARGUMENT", "config_json lacks disks, vifs or xsim");
  }
  return config;
}
