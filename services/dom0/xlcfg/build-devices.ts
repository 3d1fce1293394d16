import type { Prng } from "../../core/prng.js";
import { DeviceSpecError } from "./device-spec-error.js";
import { parseDiskSpec } from "./disk-spec.js";
import type { DiskSpec, DomainType, VifSpec } from "./domain-config.js";
import { generateMac } from "./mac-address.js";
import type { XlCfgValue } from "./settings.js";
import { singleString, type SettingsReader } from "./settings-reader.js";
import { parseVifSpec } from "./vif-spec.js";
import { XlCfgError } from "./errors.js";

/** Most disks or vifs one config may list; far above what a guest's frontends handle. */
export const DEVICE_COUNT_MAX = 256;

/** `disk = [ DISKSPEC, ... ]`; errors point at the offending list item. */
export function readDisks(reader: SettingsReader): DiskSpec[] {
  const items = readDeviceList(reader, "disk");
  const disks: DiskSpec[] = [];
  items.forEach((item, index) => {
    const disk = parseDevice(item, `disk ${index}`, parseDiskSpec);
    if (disks.some((other) => other.vdev === disk.vdev)) {
      throw new XlCfgError(item.position, `disk ${index}: vdev "${disk.vdev}" is already used`);
    }
    disks.push(disk);
  });
  return disks;
}

/** `vif = [ VIFSPEC, ... ]`: devid is the list index unless given; a missing mac comes from `prng`. */
export function readVifs(reader: SettingsReader, type: DomainType, prng: Prng): VifSpec[] {
  const items = readDeviceList(reader, "vif");
  const vifs: VifSpec[] = [];
  items.forEach((item, index) => {
    const draft = parseDevice(item, `vif ${index}`, (spec) => parseVifSpec(spec, index, type));
    const vif: VifSpec = { ...draft, mac: draft.mac ?? generateMac(prng) };
    if (vifs.some((other) => other.devid === vif.devid)) {
      throw new XlCfgError(item.position, `vif ${index}: devid ${vif.devid} is already used`);
    }
    vifs.push(vif);
  });
  return vifs;
}

function readDeviceList(reader: SettingsReader, key: string): readonly XlCfgValue[] {
  const items = reader.list(key) ?? [];
  if (items.length > DEVICE_COUNT_MAX) {
    throw new XlCfgError(
      reader.valuePosition(key),
      `"${key}" lists ${items.length} devices, at most ${DEVICE_COUNT_MAX}`,
    );
  }
  return items;
}

function parseDevice<T>(item: XlCfgValue, what: string, parse: (spec: string) => T): T {
  const spec = singleString(what, item);
  try {
    return parse(spec);
  } catch (error) {
    if (error instanceof DeviceSpecError)
      throw new XlCfgError(item.position, `${what} '${spec}': ${error.message}`);
    throw error;
  }
}
