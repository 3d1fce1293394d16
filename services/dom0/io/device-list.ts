import type { XenStore } from "../../xenstore/store.js";
import { type SplitDevice, deviceBackendPath, deviceFrontendPath } from "../devices/split-device.js";
import type { IoMode } from "./io-costs.js";
import { type IoRingStats, emptyOpCounters, emptyRingCounters } from "./io-counters.js";
import type { IoDeviceStats } from "./io-device.js";
import type { SplitIo } from "./split-io.js";

/** What libxl_device_{nic,disk}_getinfo reads from the frontend's directory: -1 where a key is absent. */
interface DeviceInfoBase {
  backendId: number;
  state: number;
  evtch: number;
  backendPath: string;
  stats: IoDeviceStats;
}

/** A row of `xl network-list` (libxl_nicinfo) and the vif's I/O. */
export interface NetworkDeviceRow extends DeviceInfoBase {
  idx: number;
  mac: string;
  handle: number;
  txRingRef: number;
  rxRingRef: number;
}

/** A row of `xl block-list` (libxl_diskinfo) and the vbd's I/O. */
export interface BlockDeviceRow extends DeviceInfoBase {
  vdev: number;
  frontendId: number;
  ringRef: number;
  dev: string;
}

/** The domain's devices with what a domain record holds: its devices, domid. */
interface DeviceOwner {
  domid: number;
  devices: readonly SplitDevice[];
}

export function networkDevices(store: XenStore, io: SplitIo, owner: DeviceOwner): NetworkDeviceRow[] {
  return owner.devices
    .filter((device) => device.kind === "vif")
    .map((device) => {
      const fe = deviceFrontendPath(device);
      return {
        ...base(store, io, owner, device),
        idx: device.devid,
        mac: device.backendKeys["mac"] ?? "",
        handle: device.devid,
        txRingRef: readInt(store, `${fe}/tx-ring-ref`),
        rxRingRef: readInt(store, `${fe}/rx-ring-ref`),
      };
    });
}

export function blockDevices(store: XenStore, io: SplitIo, owner: DeviceOwner): BlockDeviceRow[] {
  return owner.devices
    .filter((device) => device.kind === "vbd")
    .map((device) => ({
      ...base(store, io, owner, device),
      vdev: device.devid,
      frontendId: owner.domid,
      ringRef: readInt(store, `${deviceFrontendPath(device)}/ring-ref`),
      dev: device.backendKeys["dev"] ?? "",
    }));
}

/** A block device sector as xentop's VBD_RSECT/VBD_WSECT count them (blkback's rd_sect/wr_sect). */
export const SECTOR_BYTES = 512;

/** xentop's NETS, NETTX/NETRX (bytes), VBDS, VBD_OO, VBD_RD/VBD_WR (requests), VBD_RSECT/WSECT of a domain. */
export interface IoTotals {
  nets: number;
  netTxBytes: number;
  netRxBytes: number;
  vbds: number;
  vbdOoRequests: number;
  vbdReadRequests: number;
  vbdWriteRequests: number;
  vbdReadSectors: number;
  vbdWriteSectors: number;
}

export function ioTotals(io: SplitIo, owner: DeviceOwner): IoTotals {
  const totals: IoTotals = {
    ...{ nets: 0, netTxBytes: 0, netRxBytes: 0, vbds: 0, vbdOoRequests: 0 },
    ...{ vbdReadRequests: 0, vbdWriteRequests: 0, vbdReadSectors: 0, vbdWriteSectors: 0 },
  };
  for (const device of owner.devices) {
    if (device.kind === "vif") totals.nets++;
    else totals.vbds++;
    const stats = io.deviceStats(owner.domid, device.kind, device.devid);
    if (!stats) continue;
    if (device.kind === "vif") {
      totals.netTxBytes += stats.ops[0].byteCount;
      totals.netRxBytes += stats.ops[1].byteCount;
    } else {
      totals.vbdReadRequests += stats.ops[0].requestCount;
      totals.vbdWriteRequests += stats.ops[1].requestCount;
      totals.vbdReadSectors += Math.floor(stats.ops[0].byteCount / SECTOR_BYTES);
      totals.vbdWriteSectors += Math.floor(stats.ops[1].byteCount / SECTOR_BYTES);
      totals.vbdOoRequests += stats.rings.reduce((sum, ring) => sum + ring.ringFullCount, 0);
    }
  }
  return totals;
}

function base(store: XenStore, io: SplitIo, owner: DeviceOwner, device: SplitDevice): DeviceInfoBase {
  const fe = deviceFrontendPath(device);
  const stats = io.deviceStats(owner.domid, device.kind, device.devid);
  return {
    backendId: Number(store.read(`${fe}/backend-id`) ?? "0"),
    state: readInt(store, `${fe}/state`),
    evtch: readInt(store, `${fe}/event-channel`),
    backendPath: deviceBackendPath(device),
    stats: stats ?? idleStats(device, io.modeOf(owner.domid) ?? "pv"),
  };
}

/** A device with no I/O path yet (its frontend has not connected): all zero. */
function idleStats(device: SplitDevice, mode: IoMode): IoDeviceStats {
  const ring = (): IoRingStats => ({
    ...emptyRingCounters(),
    slotCount: 0,
    requestCountInFlight: 0,
    grantEntryCountInUse: 0,
  });
  return {
    mode,
    ops: [emptyOpCounters(), emptyOpCounters()],
    rings: device.kind === "vif" ? [ring(), ring()] : [ring()],
  };
}

function readInt(store: XenStore, path: string): number {
  const text = store.read(path);
  const value = Number(text);
  return text === undefined || text === "" || !Number.isInteger(value) ? -1 : value;
}
