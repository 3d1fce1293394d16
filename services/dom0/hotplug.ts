/**
 * Device hot-plug on a running domain, as xl does it (tools/xl/xl_nic.c, xl_block.c, xl_cdrom.c;
 * libxl_device.c, libxl_disk.c): the spec is parsed with xl.cfg's grammar, checked against the
 * domain's devices, and handed to the toolstack, which writes XenStore and lets the drivers run the
 * xenbus handshake (docs/specs/device-hotplug.md). A refusal changes nothing.
 */
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import type { SplitDevice } from "./devices/split-device.js";
import { readState, deviceBackendPath, deviceFrontendPath } from "./devices/split-device.js";
import { vbdDevid } from "./devices/vdev.js";
import { vbdDevice, vifDevice } from "./domain-devices.js";
import { parseVifSpec } from "./xlcfg/vif-spec.js";
import { parseDiskSpec } from "./xlcfg/disk-spec.js";
import { generateMac, macPrngForName } from "./xlcfg/mac-address.js";
import { DeviceSpecError } from "./xlcfg/device-spec-error.js";
import { DEVICE_COUNT_MAX } from "./xlcfg/build-devices.js";
import type { DiskSpec, VifSpec } from "./xlcfg/domain-config.js";

/** What a hot-plug verb did: the device and its xenbus states right after (0 once removed). */
export interface DeviceChange {
  record: DomainRecord;
  device: SplitDevice;
  /** vif: its MAC; vbd: its vdev. */
  label: string;
  backendState: number;
  frontendState: number;
  released: boolean;
}

/** `xl network-attach DOMAIN [key=value ...]`: devid is the next free one unless `devid=` says. */
export function networkAttach(toolstack: Toolstack, ref: string, spec: readonly string[]): DeviceChange {
  const record = toolstack.requireDomUToChange(ref);
  const { vifs } = record.config;
  checkDeviceCount(record, "vif", vifs.length);
  const nextDevid = vifs.reduce((max, vif) => Math.max(max, vif.devid + 1), 0);
  const draft = parseSpec("network-attach", () =>
    parseVifSpec(spec.join(","), nextDevid, record.config.type),
  );
  const vif: VifSpec = { ...draft, mac: draft.mac ?? generateMac(macPrngFor(record, draft.devid)) };
  if (vifs.some((other) => other.devid === vif.devid))
    throw new ToolstackError("ALREADY_EXISTS", `domain ${record.name} already has vif devid ${vif.devid}`);
  if (vifs.some((other) => other.mac === vif.mac))
    throw new ToolstackError("ALREADY_EXISTS", `domain ${record.name} already has a vif with mac ${vif.mac}`);
  const device = vifDevice(record.domid, record.config, vif);
  toolstack.attachDevice(record, device, { ...record.config, vifs: [...vifs, vif] });
  return change(toolstack, record, device, vif.mac, false);
}

/** `xl network-detach DOMAIN DEVID|MAC`: an argument with ':' is a MAC, as xl reads it. */
export function networkDetach(toolstack: Toolstack, ref: string, which: string): DeviceChange {
  const record = toolstack.requireDomUToChange(ref);
  const vif = which.includes(":")
    ? record.config.vifs.find((v) => v.mac === which.toLowerCase())
    : record.config.vifs.find((v) => /^\d+$/.test(which) && v.devid === Number(which));
  const device = vif && record.devices.find((d) => d.kind === "vif" && d.devid === vif.devid);
  if (!vif || !device)
    throw new ToolstackError("NOT_FOUND", `Unknown device ${which} on domain ${record.name}`);
  const config = { ...record.config, vifs: record.config.vifs.filter((v) => v !== vif) };
  const released = toolstack.detachDevice(record, device, config);
  return change(toolstack, record, device, vif.mac, released);
}

/** `xl block-attach DOMAIN DISKSPEC...`: the components are one spec, joined by commas. */
export function blockAttach(toolstack: Toolstack, ref: string, spec: readonly string[]): DeviceChange {
  const record = toolstack.requireDomUToChange(ref);
  const { disks } = record.config;
  checkDeviceCount(record, "disk", disks.length);
  const disk = parseSpec("block-attach", () => parseDiskSpec(spec.join(",")));
  const device = vbdDevice(record.domid, disk);
  if (disks.some((other) => vbdDevid(other.vdev) === device.devid))
    throw new ToolstackError(
      "ALREADY_EXISTS",
      `domain ${record.name} already has a disk at vdev ${disk.vdev}`,
    );
  toolstack.attachDevice(record, device, { ...record.config, disks: [...disks, disk] });
  return change(toolstack, record, device, disk.vdev, false);
}

/** `xl block-detach DOMAIN VDEV|DEVID`. */
export function blockDetach(toolstack: Toolstack, ref: string, which: string): DeviceChange {
  const record = toolstack.requireDomUToChange(ref);
  const disk = findDisk(record, which);
  const device = disk && record.devices.find((d) => d.kind === "vbd" && d.devid === vbdDevid(disk.vdev));
  if (!disk || !device)
    throw new ToolstackError("NOT_FOUND", `Device ${which} not connected to domain ${record.name}`);
  const config = { ...record.config, disks: record.config.disks.filter((d) => d !== disk) };
  const released = toolstack.detachDevice(record, device, config);
  return change(toolstack, record, device, disk.vdev, released);
}

/**
 * `xl cd-insert DOMAIN VIRTDEV TARGET` (and cd-eject, `target` ""): HVM only, and VIRTDEV must be
 * one of the domain's CD-ROM drives (libxl_cdrom_insert). The medium is the backend's `params`.
 */
export function cdromChange(
  toolstack: Toolstack,
  ref: string,
  virtdev: string,
  target: string,
): DeviceChange {
  const verb = target === "" ? "cd-eject" : "cd-insert";
  const record = toolstack.requireDomUToChange(ref);
  if (record.config.type !== "hvm")
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `${verb}: cdrom-insert requires an HVM domain (${record.name} is ${record.config.type})`,
    );
  const disk = record.config.disks.find((d) => d.devtype === "cdrom" && d.vdev === virtdev);
  const device = disk && record.devices.find((d) => d.kind === "vbd" && d.devid === vbdDevid(disk.vdev));
  if (!disk || !device)
    throw new ToolstackError(
      "NOT_FOUND",
      `${verb}: Virtual device not found: ${record.name} has no cdrom ${virtdev}`,
    );
  if (/[\n\0]/.test(target))
    throw new ToolstackError("INVALID_ARGUMENT", `${verb}: the target path has a newline or NUL`);
  const changed: DiskSpec = { ...disk, target };
  device.backendKeys["params"] = target;
  toolstack.changeMedium(record, device, {
    ...record.config,
    disks: record.config.disks.map((d) => (d === disk ? changed : d)),
  });
  return change(toolstack, record, device, disk.vdev, false);
}

function findDisk(record: DomainRecord, which: string): DiskSpec | undefined {
  const devid = /^\d+$/.test(which) ? Number(which) : vbdDevid(which);
  return devid === undefined ? undefined : record.config.disks.find((d) => vbdDevid(d.vdev) === devid);
}

function checkDeviceCount(record: DomainRecord, what: string, count: number): void {
  if (count >= DEVICE_COUNT_MAX)
    throw new ToolstackError(
      "RESOURCE_EXHAUSTED",
      `domain ${record.name} has ${count} ${what}s, at most ${DEVICE_COUNT_MAX}`,
    );
}

function parseSpec<T>(verb: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DeviceSpecError)
      throw new ToolstackError("INVALID_ARGUMENT", `${verb}: ${error.message}`);
    throw error;
  }
}

/** A generated MAC depends on the domain's uuid and the devid only, so a replay gives the same one. */
function macPrngFor(record: DomainRecord, devid: number) {
  return macPrngForName(`${record.uuid}/vif/${devid}`);
}

function change(
  toolstack: Toolstack,
  record: DomainRecord,
  device: SplitDevice,
  label: string,
  released: boolean,
): DeviceChange {
  return {
    record,
    device,
    label,
    backendState: readState(toolstack.store, deviceBackendPath(device)),
    frontendState: readState(toolstack.store, deviceFrontendPath(device)),
    released,
  };
}
