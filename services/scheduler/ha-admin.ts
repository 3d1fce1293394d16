import { ToolstackError } from "../dom0/errors.js";
import type { Statefile } from "../contracts/statefile.js";
import {
  HA_CONFIG_KEY,
  HA_TIMEOUT_MS_DEFAULT,
  HA_TIMEOUT_MS_MAX,
  HA_TIMEOUT_MS_MIN,
  HA_TIMEOUT_MS_TEST_MIN,
  LEASE_UNCONFIRMED,
  leaseTiming,
  type HaConfig,
} from "../contracts/lease.js";
import type { HaMonitor } from "./ha-monitor.js";
import type { ObservedLease } from "./ha-lease-observer.js";
import type { HaState } from "../gen/xensim/v1/ha.js";

/** `xsim ha-enable [--timeout T]` (docs/specs/ha.md §1): checks T, then writes the cluster setting. */
export async function enableHa(
  statefile: Statefile,
  request: { timeoutMs: number; allowShortTimeout: boolean },
  current: { config: HaConfig; leases: readonly ObservedLease[]; nowMs: number },
): Promise<HaConfig> {
  const timeoutMs = request.timeoutMs || HA_TIMEOUT_MS_DEFAULT;
  const floorMs = request.allowShortTimeout ? HA_TIMEOUT_MS_TEST_MIN : HA_TIMEOUT_MS_MIN + 1;
  if (!Number.isInteger(timeoutMs) || timeoutMs < floorMs || timeoutMs > HA_TIMEOUT_MS_MAX) {
    const why = request.allowShortTimeout
      ? `between ${HA_TIMEOUT_MS_TEST_MIN / 1000} s and ${HA_TIMEOUT_MS_MAX / 1000} s`
      : `more than ${HA_TIMEOUT_MS_MIN / 1000} s (as XAPI requires) and at most ${HA_TIMEOUT_MS_MAX / 1000} s; --allow-short-timeout for tests`;
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `--timeout ${timeoutMs / 1000} s: the HA timeout must be ${why}`,
    );
  }
  if (current.config.enabled) {
    if (current.config.timeoutMs === timeoutMs) return current.config;
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `HA is enabled with a timeout of ${current.config.timeoutMs / 1000} s: ha-disable first to change it (as XAPI)`,
    );
  }
  // XAPI enables HA only with every host live: a host cut off now would not learn of it in time.
  const timing = leaseTiming(current.config.timeoutMs);
  const notLive = current.leases.filter(
    (o) => o.lease.state !== "live" || current.nowMs - o.sinceMs > timing.timeoutMs + timing.restartMarginMs,
  );
  if (notLive.length > 0)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cannot enable HA: the lease of ${notLive.map((o) => o.hostId).join(", ")} is not being renewed`,
    );
  const config: HaConfig = { enabled: true, timeoutMs };
  await statefile.put(HA_CONFIG_KEY, JSON.stringify(config));
  return config;
}

/**
 * `ha-enable` as the scheduler serves it: observe the leases now, check and write the setting,
 * then observe afresh under the new regime (docs/specs/ha.md §1). The gRPC service and the
 * one-process cluster both call this.
 */
export async function enableHaOn(
  monitor: HaMonitor,
  statefile: Statefile,
  request: { timeoutMs: number; allowShortTimeout: boolean },
  nowMs: () => number,
): Promise<HaState> {
  await monitor.round();
  const current = { config: monitor.config, leases: monitor.observer.all(), nowMs: nowMs() };
  monitor.config = await enableHa(statefile, request, current);
  monitor.observer.reset();
  return haState(monitor, monitor.config, nowMs());
}

export async function disableHa(statefile: Statefile, current: HaConfig): Promise<HaConfig> {
  const config: HaConfig = { enabled: false, timeoutMs: current.timeoutMs };
  await statefile.put(HA_CONFIG_KEY, JSON.stringify(config));
  return config;
}

/** `ha-disable` as the scheduler serves it: write the setting, observe afresh. */
export async function disableHaOn(
  monitor: HaMonitor,
  statefile: Statefile,
  nowMs: () => number,
): Promise<HaState> {
  monitor.config = await disableHa(statefile, monitor.config);
  monitor.observer.reset();
  return haState(monitor, monitor.config, nowMs());
}

/** What `xsim ha-status` shows: the setting and each lease as this scheduler observes it. */
export function haState(monitor: HaMonitor, config: HaConfig, nowMs: number): HaState {
  return {
    enabled: config.enabled,
    timeoutMs: config.timeoutMs,
    hosts: monitor.observer.all().map((o) => ({
      hostId: o.hostId,
      ...leaseShown(o, nowMs),
      sees: o.lease.sees,
      revision: o.revision,
    })),
  };
}

/**
 * A lease's state and age as `ha-status` shows them: a live lease this scheduler has not seen
 * renewed since it began observing is `unconfirmed`, its age unknown (0): it claims no liveness it
 * has not seen, as XAPI would not (docs/specs/ha.md §5).
 */
function leaseShown(o: ObservedLease, nowMs: number): { state: string; ageMs: number } {
  if (o.lease.state === "live" && !o.confirmed) return { state: LEASE_UNCONFIRMED, ageMs: 0 };
  return { state: o.lease.state, ageMs: Math.round(nowMs - o.sinceMs) };
}
