import type { GrantTable } from "../../core/io/grant-table.js";
import { BLK_RING_SLOT_COUNT, NET_RX_RING_SLOT_COUNT, NET_TX_RING_SLOT_COUNT } from "../../core/io/ring.js";
import type { DeviceKind } from "../devices/split-device.js";
import type { DeviceProfile } from "./device-profile.js";
import { type IoCosts, type IoMode, requestCpuNs, requestFixedLatencyNs } from "./io-costs.js";
import type { IoOpCounters, IoRingStats } from "./io-counters.js";
import { IoRing, type IoRingSetup } from "./io-ring.js";

/** Packets a guest queues behind a full tx ring before dropping them (Linux's txqueuelen). */
export const NET_BACKLOG_PACKET_COUNT_MAX = 1000;
/** Requests a guest's block layer queues before the application waits (Linux's nr_requests). */
export const DISK_BACKLOG_REQUEST_COUNT_MAX = 128;

/** A device's counters: vif ops are [tx, rx] (from the guest's side), vbd ops [read, write]. */
export interface IoDeviceStats {
  mode: IoMode;
  ops: [IoOpCounters, IoOpCounters];
  /** vif: [tx ring, rx ring]; vbd: [ring]. */
  rings: IoRingStats[];
}

/** The PV plumbing of a connected device: the frontend's grant table and the event channel sends. */
export interface PvPlumbing {
  grants: GrantTable;
  notifyBackend: () => void;
  notifyFrontend: () => void;
}

/** One device's I/O path to Dom0: netfront/netback's two rings, blkfront/blkback's one, or QEMU's queue. */
export class IoDevice {
  readonly rings: IoRing[];

  constructor(
    readonly profile: DeviceProfile,
    readonly mode: IoMode,
    costs: IoCosts,
    pv: PvPlumbing | undefined,
  ) {
    const base = ringBase(profile, mode, costs, pv);
    const [first, second] = profile.requestsPerSecond;
    this.rings =
      profile.kind === "vif"
        ? [
            new IoRing({
              ...base,
              slotCount: slotCount(profile, mode, NET_TX_RING_SLOT_COUNT),
              requestsPerSecondByTag: [first, 0],
            }),
            new IoRing({
              ...base,
              slotCount: slotCount(profile, mode, NET_RX_RING_SLOT_COUNT),
              requestsPerSecondByTag: [second, 0],
            }),
          ]
        : [
            new IoRing({
              ...base,
              slotCount: slotCount(profile, mode, BLK_RING_SLOT_COUNT),
              requestsPerSecondByTag: [first, second],
            }),
          ];
  }

  get kind(): DeviceKind {
    return this.profile.kind;
  }

  stats(): IoDeviceStats {
    const ops: [IoOpCounters, IoOpCounters] =
      this.kind === "vif"
        ? [{ ...this.rings[0]!.ops[0] }, { ...this.rings[1]!.ops[0] }]
        : [{ ...this.rings[0]!.ops[0] }, { ...this.rings[0]!.ops[1] }];
    return { mode: this.mode, ops, rings: this.rings.map((ring) => ring.stats()) };
  }

  dispose(): void {
    for (const ring of this.rings) ring.dispose();
  }
}

function slotCount(profile: DeviceProfile, mode: IoMode, pvSlotCount: number): number {
  return mode === "pv" ? pvSlotCount : profile.emulatedQueueDepth;
}

type RingBase = Omit<IoRingSetup, "slotCount" | "requestsPerSecondByTag">;

function ringBase(
  profile: DeviceProfile,
  mode: IoMode,
  costs: IoCosts,
  pv: PvPlumbing | undefined,
): RingBase {
  const pages = profile.pageCountPerRequest;
  return {
    // netfront spends one slot per page a packet spans; a blkif request is one slot, its pages segments.
    slotCountPerRequest: mode === "pv" && profile.kind === "vif" ? pages : 1,
    grantCountPerRequest: mode === "pv" ? pages : 0,
    requestByteCount: profile.requestByteCount,
    requestCpuNs: requestCpuNs(costs, profile.kind, mode, profile.requestByteCount),
    fixedLatencyNs: requestFixedLatencyNs(costs, mode),
    backlogCountMax: profile.kind === "vif" ? NET_BACKLOG_PACKET_COUNT_MAX : DISK_BACKLOG_REQUEST_COUNT_MAX,
    ...(pv ? { grants: pv.grants, notifyBackend: pv.notifyBackend, notifyFrontend: pv.notifyFrontend } : {}),
  };
}
