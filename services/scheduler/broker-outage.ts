import type { Scheduler } from "./scheduler.js";
import { brokerNote, refusalWithNote } from "./broker-words.js";
import { NoValidHostError } from "./placement/errors.js";
import { ToolstackError } from "../dom0/errors.js";

/** What the scheduler says of the hosts its broker outage silenced (broker-words.ts). */
export interface BrokerOutageNote {
  /** The hosts declared down during the outage, in id order. */
  hostIds: string[];
  note: string;
}

/**
 * The note for hosts declared down while the scheduler's own link to the broker is down, or
 * within a grace window after it came back; undefined when there is no such outage or no such host.
 *
 * Only the words change, not the decisions: the hosts are still declared down. The scheduler
 * cannot tell a silent host from a dead one, so placement must not pick it (a create there could
 * hang or fail), and HA restarts follow the leases in the statefile, never heartbeats
 * (docs/specs/ha.md §5), so declaring a host down restarts nothing. What was wrong was blaming the
 * hosts: a host whose silence began within its missed-heartbeat window of the outage's start was
 * alive when last heard, and may well still run.
 */
export function brokerOutageNote(scheduler: Scheduler): BrokerOutageNote | undefined {
  const nowMs = scheduler.clock.nowMs();
  const outage = scheduler.brokerLink.outage(nowMs, () => heartbeatGraceMs(scheduler));
  if (!outage) return undefined;
  const missed = scheduler.view.missedHeartbeatCountMax;
  const hostIds = [...scheduler.view.hosts.values()]
    .filter((h) => h.liveness === "down" && h.lastSeenMs + h.heartbeat.intervalMs * missed >= outage.lostAtMs)
    .map((h) => h.hostId)
    .sort();
  if (hostIds.length === 0) return undefined;
  return { hostIds, note: brokerNote(outage, hostIds, nowMs, heartbeatGraceMs(scheduler)) };
}

/**
 * How long after the broker is back a live host may still be unheard: its missed-heartbeat window
 * at the longest interval any host announced (a live host's next heartbeat comes within one).
 */
export function heartbeatGraceMs(scheduler: Scheduler): number {
  let intervalMsMax = 0;
  for (const host of scheduler.view.hosts.values())
    intervalMsMax = Math.max(intervalMsMax, host.heartbeat.intervalMs);
  return intervalMsMax * scheduler.view.missedHeartbeatCountMax;
}

/**
 * A refusal that comes of hosts declared down, told with the broker outage first when there is
 * one: a placement that refused down hosts, or a guest not found on any host that is up. Any other
 * error, or none of that outage, is returned as it is.
 */
export function withBrokerNote(scheduler: Scheduler, error: unknown): unknown {
  if (error instanceof NoValidHostError && error.countByFilter.has("compute")) {
    const told = brokerOutageNote(scheduler);
    return told ? error.retell((head, detail) => refusalWithNote(head, told.note, detail)) : error;
  }
  if (error instanceof ToolstackError && error.code === "NOT_FOUND") {
    const told = brokerOutageNote(scheduler);
    return told ? new ToolstackError(error.code, refusalWithNote(error.message, told.note)) : error;
  }
  return error;
}
