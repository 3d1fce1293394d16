import { PAGE_SIZE_BYTES } from "../../core/units.js";
import type { DeviceKind } from "../devices/split-device.js";
import { vbdDevid } from "../devices/vdev.js";
import type { DiskSpec, DomainConfig } from "../xlcfg/domain-config.js";
import type { IoSpec } from "./io-spec.js";

/** Descriptors of QEMU's emulated NIC's transmit ring (Linux's e1000 driver posts 256). */
export const EMULATED_NIC_QUEUE_DEPTH = 256;
/** Commands an emulated IDE disk (hdX, and xvdX without PV drivers) has in flight: one, no NCQ. */
export const EMULATED_IDE_QUEUE_DEPTH = 1;
/** Commands an emulated AHCI disk (sdX) has in flight: NCQ's 32. */
export const EMULATED_AHCI_QUEUE_DEPTH = 32;

/** What one device of a domain carries: its share of the domain's `xsim_io` load. */
export interface DeviceProfile {
  kind: DeviceKind;
  devid: number;
  /** vif: tx and rx packets per second; vbd: read and write requests per second. */
  requestsPerSecond: [number, number];
  /** A packet is the vif's MTU; a disk request the spec's size. */
  requestByteCount: number;
  pageCountPerRequest: number;
  emulatedQueueDepth: number;
}

/**
 * The load of device `kind`/`devid`: the domain's network load split evenly over its vifs, disk
 * reads over its disks and writes over its writable disks (CD-ROMs carry none). Undefined for a
 * device the config does not have.
 */
export function deviceProfile(
  config: DomainConfig,
  spec: IoSpec,
  kind: DeviceKind,
  devid: number,
): DeviceProfile | undefined {
  if (kind === "vif") {
    const vif = config.vifs.find((v) => v.devid === devid);
    if (!vif) return undefined;
    const share = (bytesPerSecond: number) => bytesPerSecond / config.vifs.length / vif.mtu;
    const net = spec.net ?? { txBytesPerSecond: 0, rxBytesPerSecond: 0 };
    return profile(
      kind,
      devid,
      [share(net.txBytesPerSecond), share(net.rxBytesPerSecond)],
      vif.mtu,
      EMULATED_NIC_QUEUE_DEPTH,
    );
  }
  const disk = config.disks.find((d) => vbdDevid(d.vdev) === devid);
  if (!disk) return undefined;
  const dataDisks = config.disks.filter((d) => d.devtype === "disk");
  const writable = dataDisks.filter((d) => d.access === "rw");
  const load = spec.disk;
  const rate = (perSecond: number, among: readonly DiskSpec[]) =>
    among.includes(disk) ? perSecond / among.length : 0;
  const rates: [number, number] = load
    ? [rate(load.readRequestsPerSecond, dataDisks), rate(load.writeRequestsPerSecond, writable)]
    : [0, 0];
  const depth = disk.vdev.startsWith("sd") ? EMULATED_AHCI_QUEUE_DEPTH : EMULATED_IDE_QUEUE_DEPTH;
  return profile(kind, devid, rates, load?.requestByteCount ?? PAGE_SIZE_BYTES, depth);
}

function profile(
  kind: DeviceKind,
  devid: number,
  requestsPerSecond: [number, number],
  requestByteCount: number,
  emulatedQueueDepth: number,
): DeviceProfile {
  const pageCountPerRequest = Math.max(1, Math.ceil(requestByteCount / PAGE_SIZE_BYTES));
  return { kind, devid, requestsPerSecond, requestByteCount, pageCountPerRequest, emulatedQueueDepth };
}

/** Why a domain's `xsim_io` load has nowhere to go, or undefined when it fits its devices. */
export function ioLoadProblem(config: DomainConfig, spec: IoSpec): string | undefined {
  const net = spec.net;
  if (net && net.txBytesPerSecond + net.rxBytesPerSecond > 0 && config.vifs.length === 0)
    return "it asks for network I/O but the domain has no vif";
  const disk = spec.disk;
  const dataDisks = config.disks.filter((d) => d.devtype === "disk");
  if (disk && disk.readRequestsPerSecond > 0 && dataDisks.length === 0)
    return "it asks for disk reads but the domain has no disk (CD-ROMs carry none)";
  if (disk && disk.writeRequestsPerSecond > 0 && !dataDisks.some((d) => d.access === "rw"))
    return "it asks for disk writes but the domain has no writable disk";
  return undefined;
}
