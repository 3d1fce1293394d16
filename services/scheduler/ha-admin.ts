import { ToolstackError } from "../dom0/errors.js";
import type { Statefile } from "../contracts/statefile.js";
import {
  HA_CONFIG_KEY,
  HA_TIMEOUT_MS_DEFAULT,
  HA_TIMEOUT_MS_MAX,
  HA_TIMEOUT_MS_MIN,
  HA_TIMEOUT_MS_TEST_MIN,
  HA_OFF_ROUND_RENEW_INTERVAL_COUNT,
  LEASE_KEY_PREFIX,
  LEASE_DECLARED_DEAD,
  LEASE_UNCONFIRMED,
  parseHaConfig,
  parseLease,
  leaseTiming,
  type HaConfig,
} from "../contracts/lease.js";
import { HA_ROUND_WAIT_MS_MAX, type HaMonitor } from "./ha-monitor.js";
import type { ObservedLease } from "./ha-lease-observer.js";
import type { HaState } from "../gen/xensim/v1/ha.js";
import type { Clock } from "../core/clock.js";
import { settleWithinMs } from "../core/settle-within.js";
import { CutShortError, stepReason } from "./steps-done.js";

/** T as `ha-enable` asks for it (0: the default), refused INVALID_ARGUMENT out of bounds. */
function checkTimeout(request: { timeoutMs: number; allowShortTimeout: boolean }): number {
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
  return timeoutMs;
}

/**
 * Renew intervals `ha-enable` waits at most for the scheduler to see every live lease renewed: with
 * HA off a host renews every HA_OFF_ROUND_RENEW_INTERVAL_COUNT of them, the scheduler reads every
 * one, and one more covers a late timer (docs/specs/ha.md §1).
 */
export const HA_ENABLE_CONFIRM_RENEW_INTERVAL_COUNT_MAX = HA_OFF_ROUND_RENEW_INTERVAL_COUNT + 2;

/**
 * The longest `ha-enable` spends before it decides (rounds, Lists, waits for renewals), well
 * inside the CLI's HA_CALL_DEADLINE_MS (contracts/lease.ts): a lease still unconfirmed then is
 * refused by name, and a round that does not end in time is refused UNAVAILABLE, nothing changed
 * (docs/specs/ha.md §1). With a large T the renewal may not come in time: the refusal says so,
 * and a second ha-enable will do.
 */
export const HA_ENABLE_DECISION_MS_MAX = 20_000;

/**
 * `xsim ha-enable [--timeout T]` (docs/specs/ha.md §1): checks T and that every host's lease is
 * renewed and was seen renewed by this scheduler, then writes the cluster setting.
 */
export async function enableHa(
  statefile: Statefile,
  request: { timeoutMs: number; allowShortTimeout: boolean },
  current: { config: HaConfig; leases: readonly ObservedLease[]; nowMs: number },
): Promise<HaConfig> {
  const timeoutMs = checkTimeout(request);
  if (current.config.enabled) {
    if (current.config.timeoutMs === timeoutMs) return current.config;
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `HA is enabled with a timeout of ${current.config.timeoutMs / 1000} s: ha-disable first to change it (as XAPI)`,
    );
  }
  // XAPI enables HA only with every host live: a host cut off now would not learn of it in time.
  const timing = leaseTiming(current.config.timeoutMs);
  // A host declared dead is out of the cluster until it writes a new lease (docs/specs/ha.md §7).
  const notLive = current.leases.filter(
    (o) =>
      !o.lease.declaredDead &&
      (o.lease.state !== "live" || current.nowMs - o.sinceMs > timing.timeoutMs + timing.restartMarginMs),
  );
  if (notLive.length > 0)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cannot enable HA: the lease of ${notLive.map((o) => o.hostId).join(", ")} is not being renewed`,
    );
  // A lease read but not seen renewed since may be one written before an outage by a host gone since.
  const unconfirmed = current.leases.filter(isUnconfirmed);
  if (unconfirmed.length > 0)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `cannot enable HA: the lease of ${unconfirmed.map((o) => o.hostId).join(", ")} is unconfirmed: ` +
        `the scheduler has not seen it renewed since it began observing ` +
        `(${unconfirmedForS(unconfirmed, current.nowMs)} s ago) and its host did not answer under it; nothing was changed`,
    );
  const config: HaConfig = { enabled: true, timeoutMs };
  await writeSetting(statefile, config, "enable");
  return config;
}

/**
 * The cluster setting written; a write the store did not answer may have taken effect or not
 * (its request may have reached the store): said so, never as a bare store error.
 */
async function writeSetting(
  statefile: Statefile,
  config: HaConfig,
  verb: "enable" | "disable",
): Promise<void> {
  try {
    await statefile.put(HA_CONFIG_KEY, JSON.stringify(config));
  } catch (error) {
    throw new ToolstackError(
      "UNAVAILABLE",
      `cannot ${verb} HA: the state store did not answer the write of the setting (${stepReason(describe(error))}): ` +
        `it may have taken effect or not; run ha-${verb} again`,
    );
  }
}

/**
 * `ha-enable` as the scheduler serves it (docs/specs/ha.md §1): observe the leases in a round begun
 * now; a lease not seen renewed counts when its host answers under its epoch, otherwise wait for
 * its renewal (at most HA_ENABLE_CONFIRM_RENEW_INTERVAL_COUNT_MAX renew intervals); check and write
 * the setting, then observe afresh under the new regime. The gRPC service and the one-process
 * cluster both call this.
 */
export async function enableHaOn(
  monitor: HaMonitor,
  statefile: Statefile,
  request: { timeoutMs: number; allowShortTimeout: boolean },
  clock: Clock,
): Promise<HaState> {
  checkTimeout(request);
  const deadlineMs = clock.nowMs() + HA_ENABLE_DECISION_MS_MAX;
  const leftMs = () => Math.max(0, deadlineMs - clock.nowMs());
  await monitor.freshRound(leftMs());
  // Right after the scheduler's start or an outage every lease is unconfirmed: its host's answer
  // under the lease's epoch will do, or a renewal seen, waited for (within the decision's bound).
  const answering = async () => {
    const unconfirmed = monitor.observer.all().filter(isUnconfirmed);
    let found = new Set<string>();
    const asked = monitor.answeringUnder(unconfirmed).then((set) => void (found = set));
    await settleWithinMs(clock, asked, leftMs());
    return found;
  };
  let answered = await answering();
  const pending = () => monitor.observer.all().filter((o) => isUnconfirmed(o) && !answered.has(o.hostId));
  const renewIntervalMs = () => leaseTiming(monitor.config.timeoutMs).renewIntervalMs;
  for (
    let waitCount = 0;
    waitCount < HA_ENABLE_CONFIRM_RENEW_INTERVAL_COUNT_MAX &&
    !monitor.config.enabled &&
    pending().length > 0 &&
    renewIntervalMs() < leftMs();
    waitCount++
  ) {
    await sleepMs(clock, renewIntervalMs());
    await monitor.freshRound(leftMs());
    answered = await answering();
  }
  const leases = monitor.observer.all().map((o) => (answered.has(o.hostId) ? { ...o, confirmed: true } : o));
  const wasEnabled = monitor.config.enabled;
  monitor.config = await enableHa(statefile, request, {
    config: monitor.config,
    leases,
    nowMs: clock.nowMs(),
  });
  // Observe afresh under a new regime only: an ha-enable that found HA on wrote nothing, and
  // forgetting what it saw would put off a dead host's revocation by up to T + margin each time
  // (a tool that re-applies ha-enable every minute would keep its guests down for good).
  if (wasEnabled) return haState(monitor, monitor.config, clock.nowMs());
  monitor.observer.reset();
  await awaitEveryHostOn(monitor, statefile, clock);
  return haState(monitor, monitor.config, clock.nowMs());
}

/**
 * How long `ha-enable`, the setting written, waits for every host to renew its lease with HA on
 * (`ha: true`, written after the setting): a host told by the setting's watch renews at once, one
 * that missed it within 3 renew intervals of HA off. Past HA_ENABLE_DECISION_MS_MAX, inside the
 * CLI's HA_CALL_DEADLINE_MS (30 s).
 */
export const HA_ENABLE_HOSTS_ON_WAIT_MS_MAX = 5000;
/** How often `ha-enable` reads the leases while it waits for every host to run with HA on. */
export const HA_ENABLE_HOSTS_ON_POLL_MS = 250;

/**
 * As XAPI's `pool.ha_enable`, which arms every host or fails: HA is on only once every host runs
 * with it (docs/specs/ha.md §1). A host that has not renewed its lease with HA on within
 * HA_ENABLE_HOSTS_ON_WAIT_MS_MAX (cut from the store, or dead since the check: a lease renewed with
 * HA off counts as renewed for `T + T/2`) would run its guests on with HA off, and the scheduler
 * never revokes such a lease (ha-monitor.ts `armed`): its guests would never be restarted either.
 * So the setting is written back to off and the enable refused, FAILED_PRECONDITION, naming the hosts.
 */
async function awaitEveryHostOn(monitor: HaMonitor, statefile: Statefile, clock: Clock): Promise<void> {
  const untilMs = clock.nowMs() + HA_ENABLE_HOSTS_ON_WAIT_MS_MAX;
  // A read that fails proves nothing: read again until the bound (undefined: it failed).
  const read = () => hostsNotOn(statefile).catch(() => undefined);
  let notOn = await read();
  let known = notOn;
  while (notOn !== OFF_MEANWHILE && notOn?.length !== 0 && clock.nowMs() < untilMs) {
    await sleepMs(clock, HA_ENABLE_HOSTS_ON_POLL_MS);
    notOn = await read();
    known = notOn ?? known;
  }
  if (notOn === OFF_MEANWHILE)
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      "HA was disabled while ha-enable waited for every host to renew its lease with HA on: HA is off",
    );
  if (notOn?.length === 0) return;
  const refusal = `cannot enable HA: ${notRenewedWords(notOn, known)}`;
  const off: HaConfig = { enabled: false, timeoutMs: monitor.config.timeoutMs };
  try {
    await statefile.put(HA_CONFIG_KEY, JSON.stringify(off));
    monitor.config = off;
  } catch (error) {
    // The setting stays on, as the scheduler runs it (monitor.config): said so, never a bare
    // store error that reads as "ha-enable failed, HA is off".
    throw new CutShortError(
      "UNAVAILABLE",
      `${refusal}, and writing HA off again failed (${stepReason(describe(error))}): HA stays on, ` +
        "unless that write took effect after all; run ha-disable to turn it off",
      [{ action: "turned on", subject: "HA" }],
    );
  }
  monitor.observer.reset();
  throw new ToolstackError("FAILED_PRECONDITION", `${refusal}; HA is off again`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why ha-enable gives up waiting: the hosts not renewed with HA on, as the last read found them
 * (`notOn`), or, that read failed, that the store did not answer, and what the last read that
 * did found (`known`). Before, a failed read was named as if it were a host.
 */
function notRenewedWords(notOn: readonly string[] | undefined, known: readonly string[] | undefined): string {
  const waitS = HA_ENABLE_HOSTS_ON_WAIT_MS_MAX / 1000;
  const which = (hostIds: readonly string[]) =>
    hostIds.length === 1
      ? `${hostIds[0]} did not renew its lease`
      : `${hostIds.join(", ")} did not renew their leases`;
  if (notOn !== undefined)
    return `${which(notOn)} with HA on within ${waitS} s (cut from the state store, or down)`;
  const last = known === undefined ? "" : ` (when it last did, ${which(known)} with HA on yet)`;
  return `the state store did not answer the scheduler's reads of the leases for ${waitS} s${last}`;
}

/** hostsNotOn's answer when the setting says HA is off (an `ha-disable` came meanwhile). */
const OFF_MEANWHILE: string[] = [];

/**
 * The hosts whose live lease was not written with HA on after the setting now in the statefile;
 * OFF_MEANWHILE when the setting says HA is off.
 */
async function hostsNotOn(statefile: Statefile): Promise<string[]> {
  const setting = await statefile.read(HA_CONFIG_KEY);
  if (!parseHaConfig(setting?.value).enabled) return OFF_MEANWHILE;
  const settingRevision = setting?.revision ?? 0;
  const notOn: string[] = [];
  for (const entry of (await statefile.readAll(LEASE_KEY_PREFIX)).values()) {
    const lease = parseLease(entry.value);
    if (lease?.state === "live" && !(lease.ha === true && entry.revision > settingRevision))
      notOn.push(lease.hostId);
  }
  return notOn.sort();
}

function isUnconfirmed(o: ObservedLease): boolean {
  return o.lease.state === "live" && !o.confirmed;
}

/** Since when (seconds, the longest) the scheduler has read these leases without seeing them renewed. */
function unconfirmedForS(leases: readonly ObservedLease[], nowMs: number): string {
  return ((nowMs - Math.min(...leases.map((o) => o.sinceMs))) / 1000).toFixed(1);
}

function sleepMs(clock: Clock, ms: number): Promise<void> {
  return new Promise((wake) => clock.setTimer(ms, wake));
}

export async function disableHa(statefile: Statefile, current: HaConfig): Promise<HaConfig> {
  const config: HaConfig = { enabled: false, timeoutMs: current.timeoutMs };
  await writeSetting(statefile, config, "disable");
  return config;
}

/**
 * `ha-disable` as the scheduler serves it: write the setting, observe afresh, and answer once the
 * round under way (which read the setting before) has ended, deciding nothing more: no HA restart
 * begins after the user is told HA is off (docs/specs/ha.md §1; VOPR `--ha toggle` seeds 9, 27:
 * restarts 0.1-2.5 s after the answer). A round that does not end within HA_ROUND_WAIT_MS_MAX is
 * refused UNAVAILABLE: the setting is written, but a restart under way may still complete.
 */
export async function disableHaOn(
  monitor: HaMonitor,
  statefile: Statefile,
  nowMs: () => number,
): Promise<HaState> {
  const config = await disableHa(statefile, monitor.config);
  monitor.config = config;
  monitor.observer.reset();
  if (!(await monitor.switched(HA_ROUND_WAIT_MS_MAX)))
    throw new ToolstackError(
      "UNAVAILABLE",
      `HA is disabled, but ${monitor.roundUnderWay()}: a restart it began may still complete`,
    );
  // That round may have read the setting before it was written: this is the setting now.
  monitor.config = config;
  return haState(monitor, monitor.config, nowMs());
}

/**
 * `xsim ha-status` as the scheduler serves it: the leases as a round begun after the request read
 * them (not one under way, which may have read them before), or, the statefile unreachable, what
 * that round left (no leases). Refused UNAVAILABLE if no round ends within HA_ROUND_WAIT_MS_MAX.
 */
export async function haStatusOn(monitor: HaMonitor, clock: Clock): Promise<HaState> {
  await monitor.freshRound(HA_ROUND_WAIT_MS_MAX, { failingAnswers: true });
  return haState(monitor, monitor.config, clock.nowMs());
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
  if (o.lease.declaredDead) return { state: LEASE_DECLARED_DEAD, ageMs: Math.round(nowMs - o.sinceMs) };
  return { state: o.lease.state, ageMs: Math.round(nowMs - o.sinceMs) };
}
