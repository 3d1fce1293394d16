import { readFileSync } from "node:fs";

/** A `kB` field of /proc/<pid>/status, e.g. VmRSS (resident now) or VmHWM (resident at peak). */
export function procStatusKib(pid: number, field: "VmRSS" | "VmHWM"): number {
  return parseStatusKib(readFileSync(`/proc/${pid}/status`, "utf8"), field);
}

export function parseStatusKib(statusText: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(statusText);
  if (!match?.[1]) throw new Error(`/proc status has no "${field}: N kB" line`);
  return Number(match[1]);
}
