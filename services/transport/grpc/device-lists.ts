import type {
  BlockDevice,
  BlockListReply,
  HostServer,
  IoOpStats,
  IoRingStats,
  NetworkDevice,
  NetworkListReply,
} from "../../gen/xensim/v1/host.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import {
  type BlockDeviceRow,
  type NetworkDeviceRow,
  blockDevices,
  networkDevices,
} from "../../dom0/io/device-list.js";
import type { IoOpCounters, IoRingStats as RingStats } from "../../dom0/io/io-counters.js";
import { unary } from "./status.js";

/** `xl network-list` / `xl block-list`: a domain's devices as libxl describes them, with their I/O. */
export function deviceListServer(toolstack: Toolstack): Pick<HostServer, "networkList" | "blockList"> {
  return {
    networkList: unary((request): NetworkListReply => {
      const record = toolstack.requireDomain(request.domain);
      const rows = networkDevices(toolstack.store, toolstack.io, record);
      return { domid: record.domid, name: record.name, devices: rows.map(networkDevice) };
    }),
    blockList: unary((request): BlockListReply => {
      const record = toolstack.requireDomain(request.domain);
      const rows = blockDevices(toolstack.store, toolstack.io, record);
      return { domid: record.domid, name: record.name, devices: rows.map(blockDevice) };
    }),
  };
}

function networkDevice(row: NetworkDeviceRow): NetworkDevice {
  return {
    idx: row.idx,
    backendId: row.backendId,
    mac: row.mac,
    handle: row.handle,
    state: row.state,
    evtch: row.evtch,
    txRingRef: row.txRingRef,
    rxRingRef: row.rxRingRef,
    backendPath: row.backendPath,
    mode: row.stats.mode,
    tx: opStats(row.stats.ops[0]),
    rx: opStats(row.stats.ops[1]),
    txRing: ringStats(row.stats.rings[0]),
    rxRing: ringStats(row.stats.rings[1]),
  };
}

function blockDevice(row: BlockDeviceRow): BlockDevice {
  return {
    vdev: row.vdev,
    backendId: row.backendId,
    frontendId: row.frontendId,
    state: row.state,
    evtch: row.evtch,
    ringRef: row.ringRef,
    backendPath: row.backendPath,
    dev: row.dev,
    mode: row.stats.mode,
    read: opStats(row.stats.ops[0]),
    write: opStats(row.stats.ops[1]),
    ring: ringStats(row.stats.rings[0]),
  };
}

function opStats(counters: IoOpCounters): IoOpStats {
  return {
    requests: counters.requestCount,
    bytes: counters.byteCount,
    latencyNsTotal: Math.round(counters.latencyNsTotal),
    dom0CpuNs: Math.round(counters.dom0CpuNs),
  };
}

function ringStats(stats: RingStats | undefined): IoRingStats | undefined {
  if (!stats) return undefined;
  return {
    slotCount: stats.slotCount,
    requestsInFlight: stats.requestCountInFlight,
    ringFullEvents: stats.ringFullCount,
    grantExhaustedEvents: stats.grantExhaustedCount,
    overflowRequests: stats.overflowCount,
    notificationsToBackend: stats.notifyToBackendCount,
    notificationsToFrontend: stats.notifyToFrontendCount,
    grantEntriesInUse: stats.grantEntryCountInUse,
  };
}
