import type { DiskSpec, DomainConfig, VifSpec } from "./xlcfg/domain-config.js";
import { ToolstackError } from "./errors.js";
import type { SplitDevice } from "./devices/split-device.js";
import { vbdDevid } from "./devices/vdev.js";

/** The split devices libxl adds for a domain's `vif` and `disk` lists. */
export function devicesFor(domid: number, config: DomainConfig): SplitDevice[] {
  return [
    ...config.vifs.map((vif) => vifDevice(domid, config, vif)),
    ...config.disks.map((disk) => vbdDevice(domid, disk)),
  ];
}

/** A vif's two halves as libxl__device_nic_add writes them. */
export function vifDevice(domid: number, config: DomainConfig, vif: VifSpec): SplitDevice {
  return {
    kind: "vif",
    frontDomid: domid,
    devid: vif.devid,
    backendKeys: {
      mac: vif.mac,
      bridge: vif.bridge,
      script: vif.script,
      handle: String(vif.devid),
      type: config.type === "hvm" ? (vif.type ?? "ioemu") : "vif",
      mtu: String(vif.mtu),
      vifname: vif.vifname ?? `vif${domid}.${vif.devid}`,
    },
    frontendKeys: { mac: vif.mac, handle: String(vif.devid) },
  };
}

/** A disk's two halves as libxl__device_disk_add writes them; INVALID_ARGUMENT for a vdev we don't model. */
export function vbdDevice(domid: number, disk: DiskSpec): SplitDevice {
  const devid = vbdDevid(disk.vdev);
  if (devid === undefined) {
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `disk vdev "${disk.vdev}": xensim models xvdX, hdX (a-d) and sdX`,
    );
  }
  return {
    kind: "vbd",
    frontDomid: domid,
    devid,
    backendKeys: {
      params: disk.target,
      mode: disk.access === "ro" ? "r" : "w",
      type: disk.backendtype ?? "phy",
      dev: disk.vdev,
      "device-type": disk.devtype,
      format: disk.format,
    },
    frontendKeys: { "virtual-device": String(devid), "device-type": disk.devtype },
  };
}
