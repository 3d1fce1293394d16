import { GRANT_FRAME_COUNT_MAX_LIMIT } from "../../core/io/grant-table.js";
import { ToolstackError } from "../errors.js";
import type { DomainConfig } from "../xlcfg/domain-config.js";
import { ioLoadProblem } from "./device-profile.js";
import { parseIoSpec } from "./io-spec.js";

/** xl.cfg `max_grant_frames` when the config sets it (xl keeps it among the keys xensim passes on). */
export function grantFrameCountMax(config: DomainConfig): number | undefined {
  const value = config.other["max_grant_frames"];
  return typeof value === "number" ? value : undefined;
}

/**
 * The I/O settings of a config that may not have come through the xl.cfg builder (JSON from the
 * scheduler or a migration): the `xsim_io` spec, whether its load has devices to go to,
 * `xsim_pv_drivers`, `max_grant_frames`. Throws INVALID_ARGUMENT naming the domain.
 */
export function validateIoConfig(config: DomainConfig, name: string): void {
  const { io, pvDrivers } = config.xsim;
  if (io !== undefined) {
    if (typeof io !== "string")
      throw new ToolstackError("INVALID_ARGUMENT", `domain "${name}": xsim_io is not a string`);
    const problem = ioLoadProblem(config, parseIoSpec(io));
    if (problem !== undefined)
      throw new ToolstackError("INVALID_ARGUMENT", `domain "${name}": xsim_io "${io}": ${problem}`);
  }
  if (pvDrivers !== undefined && (typeof pvDrivers !== "boolean" || (!pvDrivers && config.type !== "hvm"))) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `domain "${name}": xsim_pv_drivers = ${String(pvDrivers)} (only an HVM guest can do without PV drivers)`,
    );
  }
  const frames = config.other["max_grant_frames"];
  if (
    frames !== undefined &&
    !(
      Number.isInteger(frames) &&
      (frames as number) >= 1 &&
      (frames as number) <= GRANT_FRAME_COUNT_MAX_LIMIT
    )
  ) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `domain "${name}": max_grant_frames ${JSON.stringify(frames)} is not a whole number in 1..${GRANT_FRAME_COUNT_MAX_LIMIT}`,
    );
  }
}
