import { KIB, PAGE_SIZE_BYTES } from "../../core/units.js";
import type { DeviceKind } from "../devices/split-device.js";

/** How a guest's device reaches Dom0: PV split drivers, or an emulated device in QEMU. */
export type IoMode = "pv" | "emulated";

/**
 * What serving one request costs Dom0 (xensim's model; the figures are order-of-magnitude ones for
 * a current x86 server, not measurements). An emulated request costs `emulatedCpuFactor` times the
 * PV one: the guest's driver touches device registers several times per packet or command, and
 * each touch is a VM exit that Xen forwards to QEMU in Dom0 as an ioreq.
 */
export interface IoCosts {
  /** netback, per packet: grant copy batch, skb, hand-off to the bridge. */
  netPacketCpuNs: number;
  /** netback's grant copy, per KiB of payload. */
  netCopyCpuNsPerKib: number;
  /** blkback, per request: parse it, submit the bio, complete it and respond. */
  diskRequestCpuNs: number;
  /** blkback, per segment (one granted page): map and unmap the grant. */
  diskSegmentCpuNs: number;
  /** What a PV request waits besides CPU: the event channel upcall and the backend thread's wakeup. */
  pvNotifyLatencyNs: number;
  emulatedCpuFactor: number;
  /** What an emulated request waits besides CPU: the ioreq round trips through Xen and QEMU. */
  emulatedLatencyNs: number;
}

export const IO_COSTS_DEFAULT: Readonly<IoCosts> = {
  netPacketCpuNs: 4_000,
  netCopyCpuNsPerKib: 250,
  diskRequestCpuNs: 10_000,
  diskSegmentCpuNs: 1_000,
  pvNotifyLatencyNs: 10_000,
  emulatedCpuFactor: 6,
  emulatedLatencyNs: 80_000,
};

/** Dom0 CPU for one request of `byteCount` bytes on a device of this kind and mode. */
export function requestCpuNs(costs: IoCosts, kind: DeviceKind, mode: IoMode, byteCount: number): number {
  const pvNs =
    kind === "vif"
      ? costs.netPacketCpuNs + (byteCount / KIB) * costs.netCopyCpuNsPerKib
      : costs.diskRequestCpuNs + Math.ceil(byteCount / PAGE_SIZE_BYTES) * costs.diskSegmentCpuNs;
  return Math.max(1, Math.round(mode === "emulated" ? pvNs * costs.emulatedCpuFactor : pvNs));
}

/** The part of a request's latency that is not CPU or queueing. */
export function requestFixedLatencyNs(costs: IoCosts, mode: IoMode): number {
  return mode === "emulated" ? costs.emulatedLatencyNs : costs.pvNotifyLatencyNs;
}

/** Refuses a cost model that would make no sense (a bug in whoever built it). */
export function assertIoCosts(costs: IoCosts): void {
  for (const [key, value] of Object.entries(costs)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new Error(`assertion failed: io cost ${key} = ${value}`);
  }
  if (costs.emulatedCpuFactor < 1) throw new Error("assertion failed: emulated I/O cheaper than PV");
}
