import type { BrokerOutage } from "./broker-link.js";

/** Hosts named one by one in a note; beyond, the rest are counted. */
export const HOSTS_NAMED_MAX = 8;
/** Under this many seconds a duration shows tenths ("2.5 s"), else whole seconds. */
const TENTHS_SHOWN_BELOW_S = 10;

/**
 * Why hosts the scheduler declared down may be fine, cause first: the scheduler's own link to the
 * broker is (or was just) gone, so their heartbeats could not arrive. XAPI says likewise that the
 * pool master lost contact, not that every host died. E.g. `nats-server (nats://127.0.0.1:4222) is
 * unreachable from the scheduler since 12:00:03 UTC (5.0 s): hosts' heartbeats cannot arrive, so
 * rn1 and rn2 may still run`.
 */
export function brokerNote(
  outage: BrokerOutage,
  hostIds: readonly string[],
  nowMs: number,
  graceMs: number,
): string {
  const hosts = hostList(hostIds);
  if (outage.backAtMs === undefined) {
    const lasted = seconds(nowMs - outage.lostAtMs);
    const since =
      outage.lostAtWallMs === undefined
        ? `for ${lasted}`
        : `since ${timeOfDay(outage.lostAtWallMs)} UTC (${lasted})`;
    return (
      `${outage.brokerName} is unreachable from the scheduler ${since}: ` +
      `hosts' heartbeats cannot arrive, so ${hosts} may still run`
    );
  }
  const leftMs = outage.backAtMs + graceMs - nowMs;
  return (
    `${outage.brokerName} was unreachable from the scheduler for ${seconds(outage.backAtMs - outage.lostAtMs)} ` +
    `until ${seconds(nowMs - outage.backAtMs)} ago: hosts' heartbeats are arriving again, so ` +
    `${hosts} may be seen up within ${seconds(leftMs)}`
  );
}

/**
 * A refusal that blamed down hosts, told with the note first: `HEAD: NOTE; nothing was changed
 * (DETAIL)`, the detail being the refusal's own account of each host, when it has one.
 */
export function refusalWithNote(head: string, note: string, detail?: string): string {
  return `${head}: ${note}; nothing was changed${detail === undefined ? "" : ` (${detail})`}`;
}

/** "rn1", "rn1 and rn2", "rn1, rn2 and rn3"; past HOSTS_NAMED_MAX, "rn1, ..., rn8 and 5 other hosts". */
export function hostList(hostIds: readonly string[]): string {
  if (hostIds.length === 0) throw new Error("hostList: no hosts");
  if (hostIds.length > HOSTS_NAMED_MAX) {
    const rest = hostIds.length - HOSTS_NAMED_MAX;
    return `${hostIds.slice(0, HOSTS_NAMED_MAX).join(", ")} and ${rest} other host${rest === 1 ? "" : "s"}`;
  }
  if (hostIds.length === 1) return hostIds[0]!;
  return `${hostIds.slice(0, -1).join(", ")} and ${hostIds.at(-1)}`;
}

function seconds(durationMs: number): string {
  const s = Math.max(0, durationMs) / 1000;
  return `${s < TENTHS_SHOWN_BELOW_S ? s.toFixed(1) : s.toFixed(0)} s`;
}

/** HH:MM:SS of an instant in ms since the epoch (UTC). */
function timeOfDay(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(11, 19);
}
