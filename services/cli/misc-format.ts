import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { LIST_HEADER, formatListRow } from "./format.js";

/** A row with the host it came from (empty hostId: one host, no Host column). */
export interface OnHost<T> {
  hostId: string;
  row: T;
}

/** xl_info.c uptime_to_string: `D days, HH:MM:SS` (`1 day, ...`, or `HH:MM:SS`, hour width 2); short: no seconds. */
export function uptimeToString(uptimeS: number, short: boolean): string {
  let rest = Math.floor(uptimeS);
  const day = Math.floor(rest / 86400);
  rest -= day * 86400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const min = Math.floor(rest / 60);
  const sec = rest - min * 60;
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = `${String(hour).padStart(2)}:${two(min)}${short ? "" : `:${two(sec)}`}`;
  if (day > 1) return `${day} days, ${clock}`;
  if (day === 1) return `${day} day, ${clock}`;
  return clock;
}

/** `xl uptime`: header "%-33s %4s %s" and rows "%-33s %4d %s"; -s: " %s up %s, %s (%d)" with the time of day. */
export function formatUptime(
  rows: ReadonlyArray<OnHost<{ domid: number; name: string; uptimeS: number }>>,
  short: boolean,
  now: Date,
): string {
  const withHost = rows.some((r) => r.hostId !== "");
  if (short) {
    const time = [now.getHours(), now.getMinutes(), now.getSeconds()]
      .map((n) => String(n).padStart(2, "0"))
      .join(":");
    return rows
      .map(
        ({ hostId, row }) =>
          ` ${time} up ${uptimeToString(row.uptimeS, true)}, ${row.name} (${row.domid})${withHost ? `  ${hostId}` : ""}`,
      )
      .join("\n");
  }
  const header = `${"Name".padEnd(33)} ${"ID".padStart(4)} Uptime${withHost ? "\tHost" : ""}`;
  const lines = rows.map(
    ({ hostId, row }) =>
      `${row.name.padEnd(33)} ${String(row.domid).padStart(4)} ${uptimeToString(row.uptimeS, false)}${withHost ? `  ${hostId}` : ""}`,
  );
  return [header, ...lines].join("\n");
}

/** `xl vm-list` (xl_info.c list_vm): "UUID                                  ID    name", rows UUID "  %d    %-30s". */
export function formatVmList(rows: ReadonlyArray<OnHost<DomainInfo>>): string {
  const withHost = rows.some((r) => r.hostId !== "");
  const header = `UUID                                  ID    name${withHost ? "\tHost" : ""}`;
  const lines = rows.map(
    ({ hostId, row }) =>
      `${row.uuid}  ${row.domid}    ${row.name.padEnd(30)}${withHost ? `  ${hostId}` : ""}`,
  );
  return [header, ...lines].join("\n");
}

/**
 * `xl claims`: xl list's columns and "  Claimed", each row " %5lu" MiB of outstanding claims. xensim's
 * builder takes every frame of a domain at once, so no domain has pages claimed but not yet
 * allocated: the column is that measured 0, as `xl info`'s outstanding_claims is.
 */
export function formatClaims(rows: ReadonlyArray<OnHost<DomainInfo>>): string {
  const withHost = rows.some((r) => r.hostId !== "");
  const header = `${LIST_HEADER}  Claimed${withHost ? "\tHost" : ""}`;
  const claimedMib = 0;
  const lines = rows.map(
    ({ hostId, row }) =>
      `${formatListRow(row)} ${String(claimedMib).padStart(5)}${withHost ? `  ${hostId}` : ""}`,
  );
  return [header, ...lines].join("\n");
}

/** `xl dmesg` over several hosts: each line after its host id (one host with -H: xl's lines alone). */
export function formatDmesg(rows: ReadonlyArray<OnHost<string>>): string {
  const width = Math.max(0, ...rows.map((r) => r.hostId.length));
  return rows.map(({ hostId, row }) => (hostId === "" ? row : `${hostId.padEnd(width)}  ${row}`)).join("\n");
}
