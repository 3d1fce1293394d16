/**
 * The HA statefile's records (docs/specs/ha.md §1, §3): the cluster's HA setting and each host's
 * lease, as JSON values in the JetStream KV bucket. Shared by hosts, the scheduler and the CLI.
 */

/** Key of the cluster's HA setting. */
export const HA_CONFIG_KEY = "cluster.ha";
/** Prefix of the hosts' leases: `lease.<hostId>`. */
export const LEASE_KEY_PREFIX = "lease.";

/** XAPI: the HA timeout must be more than 10 s. */
export const HA_TIMEOUT_MS_MIN = 10_000;
/** docs/specs/ha.md §1: 30 s (XAPI's usual is 60 s). */
export const HA_TIMEOUT_MS_DEFAULT = 30_000;
/** With --allow-short-timeout (tests): still long enough for a few renewals on a loaded machine. */
export const HA_TIMEOUT_MS_TEST_MIN = 1_000;
/** An upper bound so that a typo cannot switch HA off in practice. */
export const HA_TIMEOUT_MS_MAX = 3_600_000;

export interface HaConfig {
  enabled: boolean;
  timeoutMs: number;
}

export const HA_CONFIG_OFF: HaConfig = { enabled: false, timeoutMs: HA_TIMEOUT_MS_DEFAULT };

export type LeaseState = "live" | "revoked";

/**
 * How `ha-status` shows a lease that reads live but that the scheduler has not seen renewed since
 * it began observing (docs/specs/ha.md §5); never a state stored in a lease.
 */
export const LEASE_UNCONFIRMED = "unconfirmed";

/** How `ha-status` shows a lease revoked by `host-declare-dead` (`declaredDead`, docs/specs/ha.md §7). */
export const LEASE_DECLARED_DEAD = "dead";

export interface LeaseValue {
  hostId: string;
  /** Where peers ping this host (gRPC HaPeer). */
  address: string;
  /** New at each start of the host process. */
  epoch: string;
  state: LeaseState;
  /** Peers this host sees on the network channel. */
  sees: string[];
  /** Who revoked it (a scheduler), when state is revoked. */
  revokedBy?: string;
  /**
   * Written by a host that runs with HA on (docs/specs/ha.md §5): it holds and fences by the HA
   * rules (§4). The scheduler revokes only a lease written so after the setting it acts on was
   * written: a host that has not learnt that HA is on runs its guests on, whatever happens.
   */
  ha?: true;
  /**
   * Revoked by `xsim host-declare-dead` (docs/specs/ha.md §7): the administrator said the host is
   * off and its guests halted, and their names were freed. A host that finds its lease of this
   * epoch so revoked was in fact alive: it destroys every guest it runs (unprotected ones too,
   * whose names others may hold by now), not only the protected ones.
   */
  declaredDead?: true;
}

export function leaseKey(hostId: string): string {
  return `${LEASE_KEY_PREFIX}${hostId}`;
}

export function parseHaConfig(text: string | undefined): HaConfig {
  if (text === undefined) return HA_CONFIG_OFF;
  const value = JSON.parse(text) as Partial<HaConfig>;
  const timeoutMs = typeof value.timeoutMs === "number" ? value.timeoutMs : HA_TIMEOUT_MS_DEFAULT;
  return { enabled: value.enabled === true, timeoutMs };
}

export function parseLease(text: string): LeaseValue | undefined {
  try {
    const value = JSON.parse(text) as Partial<LeaseValue>;
    if (typeof value.hostId !== "string" || typeof value.epoch !== "string") return undefined;
    return {
      hostId: value.hostId,
      address: typeof value.address === "string" ? value.address : "",
      epoch: value.epoch,
      state: value.state === "revoked" ? "revoked" : "live",
      sees: Array.isArray(value.sees) ? value.sees.filter((s) => typeof s === "string") : [],
      ...(typeof value.revokedBy === "string" ? { revokedBy: value.revokedBy } : {}),
      ...(value.ha === true ? { ha: true as const } : {}),
      ...(value.declaredDead === true ? { declaredDead: true as const } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The intervals derived from T (docs/specs/ha.md §1). */
export interface LeaseTiming {
  timeoutMs: number;
  renewIntervalMs: number;
  peerSeenWindowMs: number;
  isolationConfirmMs: number;
  restartMarginMs: number;
}

/** XAPI's t = (T + 10 s) / 10, capped at T / 5. */
export const RENEW_INTERVAL_T_DIVISOR = 5;
export const PEER_SEEN_RENEW_COUNT = 2;
/** A host woken from a stall needs about two ping rounds to see its peers both ways again. */
export const ISOLATION_CONFIRM_RENEW_COUNT = 3;
export const RESTART_MARGIN_T_RATIO = 0.5;

/**
 * With HA off a lease only has to look live to `ha-enable`, which refuses a lease unchanged for
 * T + T/2 and waits for one it has not seen renewed yet (docs/specs/ha.md §1): the statefile round (read the setting, renew the lease) runs every
 * this many renew intervals (3t <= 0.6 T), not every one. The host watches the setting meanwhile
 * (a KV watch), so it learns that HA came on when the store says so; the round's read is the
 * safety net for a change the watch missed (the store unreachable when it was written).
 */
export const HA_OFF_ROUND_RENEW_INTERVAL_COUNT = 3;

/**
 * What `xsim ha-enable`, `ha-disable` and `ha-status` wait for the scheduler's answer; the
 * scheduler decides ha-enable within HA_ENABLE_DECISION_MS_MAX (scheduler/ha-admin.ts), less.
 */
export const HA_CALL_DEADLINE_MS = 30_000;

export function leaseTiming(timeoutMs: number): LeaseTiming {
  if (!(timeoutMs > 0)) throw new Error(`leaseTiming: timeout ${timeoutMs} ms is not positive`);
  const renewIntervalMs = Math.min((timeoutMs + 10_000) / 10, timeoutMs / RENEW_INTERVAL_T_DIVISOR);
  return {
    timeoutMs,
    renewIntervalMs,
    peerSeenWindowMs: PEER_SEEN_RENEW_COUNT * renewIntervalMs,
    isolationConfirmMs: ISOLATION_CONFIRM_RENEW_COUNT * renewIntervalMs,
    restartMarginMs: timeoutMs * RESTART_MARGIN_T_RATIO,
  };
}
