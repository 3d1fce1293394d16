import type { DomainType } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError, type XlCfgPosition } from "./errors.js";

export interface DomainBoot {
  kernel?: string;
  ramdisk?: string;
  cmdline?: string;
  bootloader?: string;
  firmware?: string;
  boot?: string;
}

/** The only firmware a PV or PVH guest may name; xl turns it into a kernel (xl_parse.c). */
const PV_FIRMWARES = new Set(["pvgrub32", "pvgrub64"]);

/**
 * How the guest boots. A PV or PVH guest needs a kernel, a bootloader or a pvgrub firmware
 * ("Neither kernel nor bootloader specified", xl_parse.c); `typePosition` is where that is reported.
 */
export function readBoot(reader: SettingsReader, type: DomainType, typePosition: XlCfgPosition): DomainBoot {
  const boot: DomainBoot = {};
  for (const key of ["kernel", "ramdisk", "bootloader", "firmware", "boot"] as const) {
    const value = reader.string(key);
    if (value !== undefined) boot[key] = value;
  }
  const cmdline = readCmdline(reader);
  if (cmdline !== undefined) boot.cmdline = cmdline;
  if (type === "hvm") return boot;
  if (boot.firmware !== undefined) {
    const position = reader.valuePosition("firmware");
    if (boot.kernel !== undefined) throw new XlCfgError(position, "both kernel and firmware specified");
    if (!PV_FIRMWARES.has(boot.firmware)) {
      throw new XlCfgError(position, `only pvgrub32 or pvgrub64 may be the firmware of a ${type} guest`);
    }
  }
  if (boot.kernel === undefined && boot.bootloader === undefined && boot.firmware === undefined) {
    throw new XlCfgError(typePosition, `${type.toUpperCase()} guest needs kernel or bootloader`);
  }
  return boot;
}

/** `cmdline` wins over `root` and `extra`, else "root=<root> <extra>" (xl_parse.c parse_cmdline). */
function readCmdline(reader: SettingsReader): string | undefined {
  const cmdline = reader.string("cmdline");
  const root = reader.string("root");
  const extra = reader.string("extra");
  if (cmdline !== undefined) return cmdline;
  if (root !== undefined && extra !== undefined) return `root=${root} ${extra}`;
  if (root !== undefined) return `root=${root}`;
  return extra;
}
