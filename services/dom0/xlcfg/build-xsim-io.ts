import type { DomainConfig, DomainType } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError } from "./errors.js";
import { parseIoSpec } from "../io/io-spec.js";

/**
 * `xsim_io` (the guest's split-driver I/O load, checked here for its syntax and again by the
 * toolstack against the domain's devices) and `xsim_pv_drivers` (whether an HVM guest has PV
 * drivers; a PV or PVH guest always has them and no emulated devices to fall back on).
 */
export function readXsimIo(reader: SettingsReader, type: DomainType, xsim: DomainConfig["xsim"]): void {
  const io = reader.string("xsim_io");
  if (io !== undefined) {
    try {
      parseIoSpec(io);
    } catch (error) {
      throw new XlCfgError(
        reader.valuePosition("xsim_io"),
        error instanceof Error ? error.message : String(error),
      );
    }
    xsim.io = io;
  }
  const pvDrivers = reader.boolean("xsim_pv_drivers");
  if (pvDrivers === undefined) return;
  if (!pvDrivers && type !== "hvm") {
    throw new XlCfgError(
      reader.valuePosition("xsim_pv_drivers"),
      `a ${type.toUpperCase()} guest always has PV drivers (only HVM guests have emulated devices)`,
    );
  }
  xsim.pvDrivers = pvDrivers;
}
