import { existsSync, readFileSync } from "node:fs";

/** Linux reports utime/stime in USER_HZ ticks, 100 per second on every architecture (proc(5)). */
export const USER_HZ = 100;

/** A `kB` field of /proc/<pid>/status, e.g. VmRSS (resident now) or VmHWM (resident at peak). */
export function procStatusKib(pid: number, field: "VmRSS" | "VmHWM"): number {
  return parseStatusKib(readFileSync(`/proc/${pid}/status`, "utf8"), field);
}

export function parseStatusKib(statusText: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(statusText);
  if (!match?.[1]) throw new Error(`/proc status has no "${field}: N kB" line`);
  return Number(match[1]);
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  return parseStatCpuMs(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/**
 * CPU time (user + system) the calling thread has used, in ms, from /proc/thread-self/stat (Linux
 * 3.17+), at USER_HZ resolution (10 ms); undefined where there is no such file. From the main
 * thread: its own time, without the GC's and compiler's helper threads or worker threads.
 */
export function threadCpuMs(): number | undefined {
  if (!existsSync(THREAD_SELF_STAT_PATH)) return undefined;
  return parseStatCpuMs(readFileSync(THREAD_SELF_STAT_PATH, "utf8"));
}

const THREAD_SELF_STAT_PATH = "/proc/thread-self/stat";

export function parseStatCpuMs(statText: string): number {
  // Fields 14 and 15 (utime, stime); the command name (field 2) may hold spaces and parentheses.
  const fields = statText.slice(statText.lastIndexOf(")") + 2).split(" ");
  const utimeTicks = Number(fields[11]);
  const stimeTicks = Number(fields[12]);
  if (!Number.isInteger(utimeTicks) || !Number.isInteger(stimeTicks))
    throw new Error(`/proc stat: no utime/stime in "${statText.slice(0, 80)}"`);
  return ((utimeTicks + stimeTicks) * 1000) / USER_HZ;
}

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
export function machineCpuTicks(): { busyTicks: number; totalTicks: number } {
  return parseMachineTicks(readFileSync("/proc/stat", "utf8"));
}

export function parseMachineTicks(statText: string): { busyTicks: number; totalTicks: number } {
  const line = statText.split("\n", 1)[0] ?? "";
  if (!line.startsWith("cpu ")) throw new Error(`/proc/stat does not start with "cpu ": ${line}`);
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const totalTicks = ticks.reduce((a, b) => a + b, 0);
  const idleTicks = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
  return { busyTicks: totalTicks - idleTicks, totalTicks };
}
