import { setTimeout as sleep } from "node:timers/promises";
import { machineCpuTicks, processCpuMs } from "./proc.js";
import { measure, warmUp, type RateOptions, type RateResult } from "./rate.js";

export interface Measured {
  rate: RateResult;
  /** CPU time per operation of the server process and of this (client) process, in µs. */
  serverCpuUsPerOp: number;
  clientCpuUsPerOp: number;
}

/**
 * Warms up, then measures `op` and the CPU both ends spent on it: CPU per operation does not
 * depend on what else this (shared) machine runs at the time, the rate does.
 */
export async function measureWithCpu(
  op: () => Promise<void>,
  options: RateOptions,
  serverPid: number,
): Promise<Measured> {
  await warmUp(op, options);
  const serverCpuMsBefore = processCpuMs(serverPid);
  const clientCpuMsBefore = processCpuMs(process.pid);
  const rate = await measure(op, options);
  const perOpUs = (ms: number) => (rate.opCount > 0 ? (ms * 1000) / rate.opCount : 0);
  return {
    rate,
    serverCpuUsPerOp: perOpUs(processCpuMs(serverPid) - serverCpuMsBefore),
    clientCpuUsPerOp: perOpUs(processCpuMs(process.pid) - clientCpuMsBefore),
  };
}

/** The share of all CPUs busy over `windowMs` (everything on the machine), in percent. */
export async function machineBusyPercent(windowMs: number): Promise<number> {
  const before = machineCpuTicks();
  await sleep(windowMs);
  const after = machineCpuTicks();
  const totalTicks = after.totalTicks - before.totalTicks;
  return totalTicks > 0 ? (100 * (after.busyTicks - before.busyTicks)) / totalTicks : 0;
}
