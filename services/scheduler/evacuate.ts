import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import { isNothingChanged, ToolstackError } from "../dom0/errors.js";
import { clusterMigrate } from "./operations.js";
import { PRECOPY_POLICY_NAMES } from "../dom0/precopy/create-policy.js";
import { NoValidHostError } from "./placement/errors.js";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { isProtocolName } from "../dom0/cluster-names.js";
import { DISABLED_HOST_KEY_PREFIX } from "./disabled-hosts.js";
import { CutShortError, stepReason, stepsDoneWords, subjectsOf, type StepDone } from "./steps-done.js";

/** XAPI's default for migrations at once during host evacuation (a host runs at most 2 outbound). */
export const EVACUATE_PARALLEL_DEFAULT = 10;
/** The most migrations an evacuation runs at once (each source host still runs at most 2 outbound). */
export const EVACUATE_PARALLEL_MAX = 64;
/** Times one domain is retried (it may be busy: already migrating after a scheduler restart). */
export const EVACUATE_ATTEMPT_COUNT_MAX = 5;
export const EVACUATE_RETRY_DELAY_MS = 500;
/** How long one domain waits for a busy source (outbound limit, its own migration) to take it. */
export const EVACUATE_BUSY_WAIT_MS_MAX = 10 * 60 * 1000;
/**
 * Times one domain is retried after a refusal that changed nothing (UNAVAILABLE NothingChangedError:
 * after an outage, the source's or the destination's HA lease unconfirmed until it renews, docs/specs/ha.md
 * §4 rules 7 and 9; the store unreachable for the HA record), and the wait before each: 8 × 2 s
 * covers a renew interval (4 s at the default T) and a host's round with HA off (12 s).
 */
export const EVACUATE_REFUSED_RETRY_COUNT_MAX = 8;
export const EVACUATE_REFUSED_RETRY_DELAY_MS = 2000;
const BUSY_PATTERN = /already being migrated|outbound migrations/;
const RETRY_PATTERN = /not known yet|is no longer on|no domain/;

const OP_PREFIX = "op.evacuate.";

export interface EvacuateOptions {
  /** Migrations at once. */
  parallel: number;
  /** Each migration's bandwidth limit (parse-bandwidth.ts); empty: unlimited. */
  bandwidth?: string;
  /** Each migration's pre-copy policy (xen, xen-legacy, qemu, clark); empty: xen. */
  policy?: string;
}

/**
 * `xsim host-evacuate`: maintenance mode. The host is disabled (no new domains) and every DomU is
 * live-migrated off, a bounded number at a time. The operation is written to the durable store
 * first, so a scheduler that restarts in the middle finishes it.
 */
export async function evacuate(
  scheduler: Scheduler,
  hostId: string,
  options: EvacuateOptions,
  emit: (event: OperationEvent) => void,
): Promise<boolean> {
  const { parallel, bandwidth = "", policy = "" } = options;
  if (policy && !(PRECOPY_POLICY_NAMES as readonly string[]).includes(policy))
    throw new ToolstackError(
      "INVALID_ARGUMENT",
      `unknown pre-copy policy "${policy}"; known policies: ${PRECOPY_POLICY_NAMES.join(", ")}`,
    );
  const host = scheduler.requireHost(hostId);
  if (scheduler.evacuationsRunning.has(hostId))
    throw new ToolstackError("FAILED_PRECONDITION", `${hostId} is already being evacuated`);
  scheduler.evacuationsRunning.add(hostId);
  try {
    return await evacuateHost(scheduler, host, { parallel, bandwidth, policy }, emit);
  } finally {
    scheduler.evacuationsRunning.delete(hostId);
  }
}

async function evacuateHost(
  scheduler: Scheduler,
  host: HostEntry,
  { parallel, bandwidth, policy }: Required<EvacuateOptions>,
  emit: (event: OperationEvent) => void,
): Promise<boolean> {
  const hostId = host.hostId;
  await scheduler.setHostEnabled(hostId, false);
  const done: StepDone[] = [{ action: DISABLED, subject: hostId }];
  await scheduler.syncHost(host);
  // The guests are those of this host, by uuid: another host's guest of the same name is not ours.
  const guests = guestsOn(scheduler, hostId);
  const uuids = guests.map((g) => g.uuid);
  try {
    await scheduler.options.store.put(
      `${OP_PREFIX}${hostId}`,
      JSON.stringify({ parallel, bandwidth, policy, uuids }),
    );
  } catch (error) {
    throw cutShort(hostId, done, `its evacuation could not be recorded (${describeStep(error)})`);
  }
  emit(
    event(
      "info",
      "",
      hostId,
      "",
      `evacuating ${guests.length} domains from ${hostId}, ${parallel} at a time`,
      true,
    ),
  );
  const failures = new Map<string, string>();
  const queue = [...guests];
  const worker = async () => {
    for (let guest = queue.shift(); guest !== undefined; guest = queue.shift()) {
      const moved = await moveOne(scheduler, guest, emit, hostId, { bandwidth, policy });
      if (moved.kind === "migrated") done.push({ action: MIGRATED, subject: guest.name, to: moved.to });
      else if (moved.kind === "failed") failures.set(guest.name, moved.error);
    }
  };
  const workerCount = Math.max(1, Math.min(parallel, guests.length));
  try {
    await Promise.all(Array.from({ length: workerCount }, worker));
  } catch (error) {
    throw cutShort(hostId, done, describeStep(error));
  }
  if (!scheduler.isActive()) {
    const lost = "then this scheduler lost the leader lease: the active scheduler finishes it";
    emit(event("failed", "", hostId, "", `${stepsDoneWords(done)}; ${lost}`, false, true));
    return false;
  }
  const left = await guestsLeft(scheduler, hostId, guests, done);
  const ok = failures.size === 0 && left.length === 0;
  let unrecorded = "";
  try {
    await scheduler.options.store.delete(`${OP_PREFIX}${hostId}`);
  } catch (error) {
    unrecorded = `; its record in the state store stays (${describeStep(error)}): a scheduler that restarts resumes it`;
  }
  const words = ok ? `${hostId} is empty and disabled` : notEmptyWords(hostId, done, failures, left);
  emit(event(ok ? "done" : "failed", "", hostId, "", `${words}${unrecorded}`, ok, true));
  return ok;
}

/** The evacuation's steps (steps-done.ts): its host disabled, then each guest migrated. */
const DISABLED = "disabled";
const MIGRATED = "migrated";

/**
 * The guests still on the host, as the host itself reports now: "empty" is said only if it is. A
 * host that does not answer: those not migrated (a guest moved is not "still on" it).
 */
async function guestsLeft(
  scheduler: Scheduler,
  hostId: string,
  guests: readonly Guest[],
  done: readonly StepDone[],
): Promise<Guest[]> {
  const host = scheduler.view.hosts.get(hostId);
  if (host !== undefined && (await scheduler.syncHost(host))) return guestsOn(scheduler, hostId);
  const migrated = new Set(subjectsOf(done, MIGRATED));
  return guests.filter((g) => !migrated.has(g.name));
}

/**
 * An evacuation that did not empty its host: what it did (the host disabled, the guests migrated),
 * then each guest it could not move and why, then which stay on the host. A refusal's "nothing
 * was changed" was true of that guest's migration, never of the evacuation (host disabled, others
 * moved): it is not repeated.
 */
function notEmptyWords(
  hostId: string,
  done: readonly StepDone[],
  failures: ReadonlyMap<string, string>,
  left: readonly Guest[],
): string {
  const migrated = subjectsOf(done, MIGRATED).length > 0 ? "" : "; no guest migrated";
  const couldNot = [...failures].map(([name, why]) => `could not move ${name} (${stepReason(why)})`);
  const stay = left.length === 0 ? [] : [`still on ${hostId}: ${left.map((g) => g.name).join(", ")}`];
  return [`${stepsDoneWords(done)}${migrated}`, ...couldNot, ...stay].join("; ");
}

/**
 * An evacuation stopped by an error after it disabled its host (and maybe moved guests): says what
 * it did, never the store's "nothing was changed" (true of the one write that failed), and how to
 * go on: again, or host-enable to end the maintenance.
 */
function cutShort(hostId: string, done: readonly StepDone[], why: string): CutShortError {
  return new CutShortError(
    "UNAVAILABLE",
    `the evacuation of ${hostId} stopped: ${why}; before that it ${stepsDoneWords(done)}`,
    [...done],
    `run host-evacuate ${hostId} again to finish, or host-enable ${hostId} to end the maintenance`,
  );
}

function describeStep(error: unknown): string {
  return stepReason(error instanceof Error ? error.message : String(error));
}

interface Guest {
  uuid: string;
  name: string;
}

/** The DomUs a host runs now (not the migration protocol's copies), by uuid. */
function guestsOn(scheduler: Scheduler, hostId: string): Guest[] {
  return [...scheduler.requireHost(hostId).domains.values()]
    .filter((d) => !isProtocolName(d.name))
    .map((d) => ({ uuid: d.uuid, name: d.name }));
}

/** What became of one guest: migrated (where to), gone from the host otherwise, or not moved (why). */
type MoveOutcome = { kind: "migrated"; to: string } | { kind: "gone" } | { kind: "failed"; error: string };

async function moveOne(
  scheduler: Scheduler,
  guest: Guest,
  emit: (event: OperationEvent) => void,
  hostId: string,
  how: MigrateHow,
): Promise<MoveOutcome> {
  const startMs = scheduler.clock.nowMs();
  let lastError = "";
  let refusedCount = 0;
  const wait = new BusyWait(scheduler, hostId, guest.name);
  for (let attempt = 0; attempt < EVACUATE_ATTEMPT_COUNT_MAX;) {
    let delayMs = EVACUATE_RETRY_DELAY_MS;
    const source = scheduler.requireHost(hostId);
    if (!scheduler.isActive()) {
      return { kind: "failed", error: "not moved: this scheduler lost the leader lease" };
    } else if (source.liveness !== "up") {
      // Declared down (maybe only late heartbeats): its domains are not gone, wait for it.
      lastError = `${hostId} is down`;
      attempt++;
    } else if (!source.domains.has(guest.uuid)) {
      wait.end(`no longer on ${hostId}`);
      return { kind: "gone" }; // gone from this host (moved, or destroyed)
    } else {
      const outcome = await migrateOnce(scheduler, guest, emit, hostId, { ...how, quiet: wait.isWaiting });
      wait.note(outcome);
      if (outcome.kind === "completed") return { kind: "migrated", to: outcome.to };
      lastError = outcome.error;
      // The source is busy (its outbound limit, or this domain still moving after a scheduler
      // restart): not a failed attempt, wait for it, up to a bound.
      if (outcome.kind === "busy") {
        if (scheduler.clock.nowMs() - startMs > EVACUATE_BUSY_WAIT_MS_MAX) break;
      } else if (outcome.kind === "retry") attempt++;
      else if (outcome.kind === "refused" && refusedCount < EVACUATE_REFUSED_RETRY_COUNT_MAX) {
        refusedCount++;
        delayMs = EVACUATE_REFUSED_RETRY_DELAY_MS;
        const retry = `refused, nothing changed: retry ${refusedCount} of ${EVACUATE_REFUSED_RETRY_COUNT_MAX} in ${delayMs} ms`;
        emit(event("retry", guest.name, hostId, "", `${retry} (${lastError})`, false));
      } else break;
    }
    await new Promise<void>((resolve) => scheduler.clock.setTimer(delayMs, resolve));
    const host = scheduler.requireHost(hostId);
    if (host.liveness === "up") await scheduler.syncHost(host);
  }
  wait.end(`given up: ${lastError}`);
  emit(event("migrate", guest.name, hostId, "", lastError, false));
  return { kind: "failed", error: lastError };
}

/** How each domain moves: `xsim host-evacuate --bandwidth --policy`; `quiet` while it waits (BusyWait). */
interface MigrateHow {
  bandwidth: string;
  policy: string;
  quiet?: boolean;
}

/**
 * One domain's wait for a busy source (its outbound limit, or an earlier scheduler's migration of
 * it after a restart), logged once when it begins and once when it ends: each attempt every
 * EVACUATE_RETRY_DELAY_MS logged "migrate ..." before, the source then refusing it.
 */
class BusyWait {
  private sinceMs: number | undefined = undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly hostId: string,
    private readonly name: string,
  ) {}

  get isWaiting(): boolean {
    return this.sinceMs !== undefined;
  }

  /** An attempt's outcome: a busy one begins the wait (logged once), any other ends it. */
  note(outcome: MigrateOutcome): void {
    if (outcome.kind !== "busy") return this.end(outcome.kind === "completed" ? "migrated" : outcome.error);
    if (this.sinceMs !== undefined) return;
    this.sinceMs = this.scheduler.clock.nowMs();
    this.scheduler.log(`${this.what} waits, retried every ${EVACUATE_RETRY_DELAY_MS} ms: ${outcome.error}`);
  }

  /** The wait, if any, is over: logged with how long it took and `result`. */
  end(result: string): void {
    if (this.sinceMs === undefined) return;
    const waitedS = ((this.scheduler.clock.nowMs() - this.sinceMs) / 1000).toFixed(1);
    this.sinceMs = undefined;
    this.scheduler.log(`${this.what} waited ${waitedS} s: ${result}`);
  }

  private get what(): string {
    return `evacuation of ${this.hostId}: ${this.name}`;
  }
}

type MigrateOutcome =
  { kind: "completed"; to: string } | { kind: "busy" | "retry" | "refused" | "fatal"; error: string };

async function migrateOnce(
  scheduler: Scheduler,
  guest: Guest,
  emit: (event: OperationEvent) => void,
  hostId: string,
  { bandwidth, policy, quiet = false }: MigrateHow,
): Promise<MigrateOutcome> {
  const name = guest.name;
  try {
    const last = await clusterMigrate(
      scheduler,
      {
        domain: guest.uuid,
        sourceHostId: hostId,
        destinationHostId: "",
        policy: policy || "xen",
        live: true,
        bandwidth,
        quiet,
      },
      () => undefined,
    );
    const stats = last.stats;
    const completed = stats?.status === "completed";
    emit(
      event(
        "migrate",
        name,
        hostId,
        stats?.destination ?? "",
        `${stats?.status}: ${stats?.totalTimeMs.toFixed(0)} ms, downtime ${stats?.downtimeMs.toFixed(1)} ms`,
        completed,
      ),
    );
    if (completed) return { kind: "completed", to: stats.destination };
    const error = withoutName(name, stats?.error ?? "failed");
    // Cancelled at its source (xsim migrate-cancel): the operator asked, so it is not tried again.
    return { kind: stats?.status === "cancelled" ? "fatal" : "retry", error };
  } catch (error) {
    const message = withoutName(name, error instanceof Error ? error.message : String(error));
    if (isBusy(error, message)) return { kind: "busy", error: message };
    if (isNothingChanged(error) && error.code === "UNAVAILABLE") return { kind: "refused", error: message };
    return { kind: RETRY_PATTERN.test(message) ? "retry" : "fatal", error: message };
  }
}

/**
 * A refusal's words without the guest's name in front ("dns: an HA-protected guest ..."): the
 * evacuation's events and failures name the guest already ("migrate dns dns: ..." before).
 */
function withoutName(name: string, message: string): string {
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}

/** Refused because migrations are under way (the source's, or some destination's): wait, retry. */
function isBusy(error: unknown, message: string): boolean {
  if (error instanceof NoValidHostError) return error.countByFilter.has("migrations");
  return BUSY_PATTERN.test(message);
}

/** After a restart: finish every evacuation the previous scheduler had begun. */
export async function resumeEvacuations(
  scheduler: Scheduler,
  emit: (event: OperationEvent) => void,
): Promise<void> {
  for (const key of await scheduler.options.store.keys(OP_PREFIX)) {
    const hostId = key.slice(OP_PREFIX.length);
    const op = JSON.parse((await scheduler.options.store.get(key)) ?? "{}") as Partial<EvacuateOptions>;
    if (!scheduler.view.hosts.has(hostId)) {
      scheduler.log(`evacuation of ${hostId} pending: host not seen yet`);
      continue;
    }
    if (scheduler.evacuationsRunning.has(hostId)) continue; // begun by this scheduler: not interrupted
    // An evacuation disables its host before it is saved: enabled since, the user ended the
    // maintenance (xsim host-enable), and resuming would disable the host again (VOPR seed 41 x 400).
    // The store says so too (this process's set may predate a failed read): a failed read throws here.
    const disabledKey = `${DISABLED_HOST_KEY_PREFIX}${hostId}`;
    if (
      !scheduler.disabledHosts.has(hostId) &&
      (await scheduler.options.store.get(disabledKey)) !== "disabled"
    ) {
      scheduler.log(`evacuation of ${hostId} not resumed: the host was enabled since`);
      await scheduler.options.store.delete(key);
      continue;
    }
    scheduler.log(`resuming the evacuation of ${hostId}`);
    await evacuate(
      scheduler,
      hostId,
      {
        parallel: op.parallel ?? EVACUATE_PARALLEL_DEFAULT,
        bandwidth: op.bandwidth ?? "",
        policy: op.policy ?? "",
      },
      emit,
    );
  }
}

export function event(
  kind: string,
  domain: string,
  fromHost: string,
  toHost: string,
  message: string,
  ok: boolean,
  final = false,
): OperationEvent {
  return { kind, domain, fromHost, toHost, message, ok, final };
}
