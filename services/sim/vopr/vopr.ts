import { Prng } from "../../core/prng.js";
import type { DomainEvent } from "../../contracts/domain-event.js";
import { BROKER_ID, NO_FAULTS } from "../network.js";
import { SCHEDULER_ID, SimCluster } from "../cluster.js";
import { SimUser } from "../sim-user.js";
import { Ledger } from "./ledger.js";
import { UnknownHandovers } from "./unknown-handovers.js";
import * as act from "./actions.js";
import type { ActionContext, FaultKind } from "./actions.js";
import {
  checkChecksums,
  checkDeclaredDead,
  checkDestroyedStayDestroyed,
  checkHosts,
  checkNamesUnique,
  checkNeverTwice,
  checkRecovered,
  checkRestartsPerLoss,
  DoomedCopies,
  formatHaSummary,
  summarizeHa,
  type HaSummary,
} from "./checkers.js";
import { copiesByUuid, describeCopies, domainCopies, isStandInName, mayRun } from "./world.js";
import { HA_ON_BEFORE_RESTART_OWED_MS, HaSettingView, type HaMode } from "./ha-setting.js";

export const VOPR_HOST_COUNT = 4;
export const VOPR_HOST_MIB = 512;
export const VOPR_DOM0_MIB = 128;
/** Simulated time between two steps: up to this much. */
export const STEP_MS_MAX = 2000;
/** Every this many steps (and at the end) the faults end and the cluster gets time to recover. */
export const QUIESCE_EVERY_STEP_COUNT = 25;
/** How long a whole, quiet cluster gets to recover before every guest must run exactly once. */
export const RECOVERY_MS = 60_000;
/** How long the quiesce waits before it asks the scheduler again to enable a host. */
export const ENABLE_RETRY_MS = 1000;
/**
 * HA's T in the VOPR's cluster (enabled from the start, docs/specs/ha.md §1, or by the user's
 * `ha-enable` in toggle mode): short, as tests may (`--allow-short-timeout`), so that stalls of up
 * to 6.5 s outlast it and exercise the hold.
 */
export const VOPR_HA_TIMEOUT_MS = 5000;
/** Trace lines a failing seed prints (the last ones). */
export const TRACE_TAIL_LINE_COUNT = 80;

export interface VoprOptions {
  seed: number;
  stepCount: number;
  faults: ReadonlySet<FaultKind>;
  /** How HA runs (ha-setting.ts); `on`, the default, is the VOPR as it always ran. */
  ha?: HaMode;
  /**
   * With HA off or switched: whether the administrator declares killed hosts dead (actions.ts
   * declareDead; default true). False replays the paths seeds took before the verb existed (the
   * `--ha toggle` regressions pin them).
   */
  declareDead?: boolean;
  /**
   * With HA off or switched: whether the administrator resets the power state of guests lost while
   * HA was off (actions.ts resetPowerState; default true). False replays the paths seeds took
   * before the verb existed.
   */
  resetPowerState?: boolean;
  /**
   * `--cancel`: the user also starts migrations and cancels them (actions.ts userMigrateThenCancel).
   * Off by default, so that the seeds' paths stay as they were.
   */
  cancels?: boolean;
}

export interface VoprResult {
  seed: number;
  stepCountRun: number;
  simulatedMs: number;
  violations: string[];
  trace: string[];
  /** Host losses and HA restarts counted in the run (checkRestartsPerLoss holds them to one each). */
  ha: HaSummary;
  haMode: HaMode;
  /** Whether the run drew migrations cancelled by the user (`--cancel`). */
  cancels: boolean;
}

type Action = (ctx: ActionContext) => void;

/** Toggle mode: the weight of the user's `ha-enable`/`ha-disable` among the actions (a fault's is 1). */
export const HA_TOGGLE_WEIGHT = 2;

/** `--cancel`: the weight of a migration started and cancelled among the actions (a migrate's is 3). */
export const MIGRATE_CANCEL_WEIGHT = 2;

function actionTable(
  faults: ReadonlySet<FaultKind>,
  haMode: HaMode,
  admin: { declareDead: boolean; resetPowerState: boolean },
  cancels: boolean,
): Array<[number, Action]> {
  const table: Array<[number, Action]> = [
    [5, act.userCreate],
    [1, act.userDestroy],
    [1, act.userPause],
    [3, act.userMigrate],
    [1, act.userEvacuate],
    [2, () => undefined],
  ];
  const faultActions: Record<FaultKind, Action> = {
    "kill-host": act.killHost,
    "restart-host": act.restartHost,
    "stall-host": act.stallHost,
    "partition-host": (ctx) => act.partitionHost(ctx, false),
    "partition-host-from-broker": (ctx) => act.partitionHost(ctx, true),
    heal: act.heal,
    "broker-outage": act.brokerOutage,
    "scheduler-crash": act.schedulerCrash,
    "message-faults": act.messageFaults,
    "forged-heartbeat": act.forgedHeartbeat,
    "duplicate-name": () => undefined,
  };
  for (const kind of faults) if (kind !== "duplicate-name") table.push([1, faultActions[kind]]);
  if (haMode === "toggle") table.push([HA_TOGGLE_WEIGHT, act.haToggle]);
  // The administrator's word on a host the VOPR killed (docs/specs/ha.md §7); not in the default
  // mode, whose seeds' paths stay as they were.
  if (haMode !== "on" && admin.declareDead && faults.has("kill-host")) table.push([1, act.declareDead]);
  // And on a guest lost while HA was off (docs/specs/ha.md §8), likewise.
  if (haMode !== "on" && admin.resetPowerState && faults.has("kill-host"))
    table.push([1, act.resetPowerState]);
  if (cancels) table.push([MIGRATE_CANCEL_WEIGHT, act.userMigrateThenCancel]);
  return table;
}

function pickAction(prng: Prng, table: Array<[number, Action]>): Action {
  const total = table.reduce((sum, [weight]) => sum + weight, 0);
  let roll = prng.nextInt(total);
  for (const [weight, action] of table) {
    if (roll < weight) return action;
    roll -= weight;
  }
  throw new Error("unreachable");
}

/**
 * One seeded run of the whole-cluster fault simulator: random user operations and faults, and the
 * invariants checked after every step. Stops at the first step that breaks one.
 */
export async function runVopr(options: VoprOptions): Promise<VoprResult> {
  const prng = new Prng(options.seed).fork(7);
  const haMode = options.ha ?? "on";
  const hosts = Array.from({ length: VOPR_HOST_COUNT }, (_, i) => ({
    hostId: `h${i + 1}`,
    memoryMib: VOPR_HOST_MIB,
    dom0MemoryMib: VOPR_DOM0_MIB,
    pcpuCount: 4,
  }));
  const cluster = await SimCluster.start({
    seed: options.seed,
    hosts,
    ...(haMode === "on" ? { haTimeoutMs: VOPR_HA_TIMEOUT_MS } : {}),
    // An idle host's shared second that would repeat a stale heartbeat throws, naming the host.
    checkSharedSeconds: true,
  });
  const haSetting = new HaSettingView(cluster);
  const ledger = new Ledger();
  const trace: string[] = [];
  const violations: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const ctx: ActionContext = {
    cluster,
    user: new SimUser(cluster),
    ledger,
    prng,
    faults: options.faults,
    trace: (line) => trace.push(`${(cluster.clock.nowMs() / 1000).toFixed(3)} ${line}`),
    background: (work) => {
      const tracked = work.catch((error: unknown) => ctx.trace(`background failed: ${String(error)}`));
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    },
    haSetting,
    haTimeoutMs: VOPR_HA_TIMEOUT_MS,
  };
  cluster.logListeners.push((line) => ctx.trace(`  [${line.source}] ${line.text}`));
  cluster.domainEventListeners.push((event) =>
    violations.push(...onDomainEvent(cluster, ledger, event, ctx, haSetting)),
  );
  const doomed = new DoomedCopies();
  const unknownHandovers = new UnknownHandovers();
  const observe = () => unknownHandovers.note(cluster, ledger, (line) => ctx.trace(line));
  const admin = {
    declareDead: options.declareDead ?? true,
    resetPowerState: options.resetPowerState ?? true,
  };
  const table = actionTable(options.faults, haMode, admin, options.cancels ?? false);
  // A promise nobody handles is a bug of the process that made it (a real one would log or die).
  const onUnhandled = (reason: unknown) => violations.push(`unhandled rejection: ${String(reason)}`);
  process.on("unhandledRejection", onUnhandled);
  const haOffSummary = () => {
    const running = new Set(
      domainCopies(cluster)
        .filter((c) => c.isPrimary)
        .map((c) => c.uuid),
    );
    const down = ledger.entries.filter((e) => e.status === "created" && !running.has(e.uuid!));
    return { downAtEndCount: down.length, ...haSetting.counts };
  };
  let step = 1;
  try {
    for (; step <= options.stepCount && violations.length === 0; step++) {
      try {
        pickAction(prng, table)(ctx);
        await cluster.idle(1 + prng.nextInt(STEP_MS_MAX));
        observe();
        violations.push(...checkAlways(cluster, ledger, doomed));
        if (violations.length === 0 && (step % QUIESCE_EVERY_STEP_COUNT === 0 || step === options.stepCount))
          violations.push(...(await quiesceAndCheck(ctx, pending, doomed, observe, haSetting)));
      } catch (error) {
        // A check that throws from inside the simulation (a shared second that would repeat a
        // stale heartbeat): this seed failed, named with its trace; the other seeds still run.
        violations.push(`threw: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (violations.length > 0) ctx.trace(`step ${step}: ${violations.length} violation(s)`);
    }
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  return {
    seed: options.seed,
    stepCountRun: step - 1,
    simulatedMs: cluster.clock.nowMs(),
    violations,
    trace,
    ha: haMode === "on" ? summarizeHa(ledger) : { ...summarizeHa(ledger), haOff: haOffSummary() },
    haMode,
    cancels: options.cancels ?? false,
  };
}

function checkAlways(cluster: SimCluster, ledger: Ledger, doomed: DoomedCopies): string[] {
  const copies = domainCopies(cluster);
  return [
    ...doomed.check(copies, cluster.clock.nowMs()),
    ...checkNeverTwice(copies),
    ...checkNamesUnique(copies),
    ...checkHosts(cluster),
    ...checkChecksums(ledger, copies),
    ...checkDestroyedStayDestroyed(ledger, copies),
    ...checkDeclaredDead(ledger, copies),
    ...checkRestartsPerLoss(ledger, copies, false),
    // A member wrote or subscribed where the real nats-server would refuse it.
    ...cluster.authorizer.refusals.map((r) => `permissions: ${r.processId}: ${r.refusal}`),
  ];
}

/** Ends every fault, lets the cluster recover, then: every guest the user has runs exactly once. */
async function quiesceAndCheck(
  ctx: ActionContext,
  pending: Set<Promise<unknown>>,
  doomed: DoomedCopies,
  observe: () => void,
  haSetting: HaSettingView,
): Promise<string[]> {
  const { cluster } = ctx;
  cluster.network.heal();
  cluster.network.faults = NO_FAULTS;
  if (cluster.network.process(BROKER_ID).state !== "running") cluster.brokerUp();
  if (cluster.network.process(SCHEDULER_ID).state !== "running") ctx.background(cluster.restartScheduler());
  ctx.trace("quiesce: faults end, recovery time starts");
  const enablingMs = await endMaintenance(ctx);
  await cluster.idle(RECOVERY_MS - enablingMs);
  if (pending.size > 0) ctx.trace(`quiesce: ${pending.size} operation(s) still running`);
  observe();
  const copies = domainCopies(cluster);
  // With HA off (or on too briefly) a protected guest lost with its host stays down, its loss seen
  // by the user; once HA has been on long enough its restart is owed (docs/specs/ha.md §4 rule 1).
  const restartOwed = haSetting.onForAtLeast(HA_ON_BEFORE_RESTART_OWED_MS);
  return [
    ...checkAlways(cluster, ctx.ledger, doomed),
    ...checkRecovered(ctx.ledger, copies, restartOwed),
    ...checkRestartsPerLoss(ctx.ledger, copies, restartOwed),
  ].filter((line, i, all) => all.indexOf(line) === i);
}

/**
 * The operator ends every maintenance (`xsim host-enable` of each host, retried while the
 * scheduler restarts): a host the user evacuated, or declared dead and that came back (repaired),
 * stays disabled and takes no guest, HA restarts included, so with every live host disabled an HA
 * guest could never be due to run again.
 * Returns the simulated time it took, part of the recovery time.
 */
async function endMaintenance(ctx: ActionContext): Promise<number> {
  const { cluster } = ctx;
  const startMs = cluster.clock.nowMs();
  // A dead host stays dead (and disabled if it was): its guests' HA restart does not need it.
  let hostIds = [...cluster.hosts.values()].filter((h) => h.process.isRunning).map((h) => h.hostId);
  let lastError = "";
  const enabled: string[] = [];
  const enable = (hostId: string) => {
    // Repaired: a host declared dead takes guests again once this is sent (the ledger's watch ends).
    ctx.ledger.noteEnabling(hostId);
    return ctx.user.hostEnable(hostId).then(
      (wasDisabled) => void (wasDisabled && enabled.push(hostId)),
      (error: unknown) => {
        lastError = error instanceof Error ? error.message : String(error);
        return hostId;
      },
    );
  };
  while (hostIds.length > 0 && cluster.clock.nowMs() - startMs < RECOVERY_MS / 2) {
    const results = await cluster.run(Promise.all(hostIds.map(enable)));
    hostIds = results.filter((hostId) => hostId !== undefined);
    if (hostIds.length > 0) await cluster.idle(ENABLE_RETRY_MS);
  }
  if (enabled.length > 0) ctx.trace(`quiesce: host-enable ${enabled.sort().join(", ")} (maintenance ends)`);
  if (hostIds.length > 0) ctx.trace(`quiesce: host-enable ${hostIds.join(", ")} failed: ${lastError}`);
  return cluster.clock.nowMs() - startMs;
}

/**
 * A fence is a host loss of the guest it destroys. At the moment a guest is created: a second copy
 * of a guest that may still run is a violation; a uuid created before is an HA restart.
 */
function onDomainEvent(
  cluster: SimCluster,
  ledger: Ledger,
  event: DomainEvent,
  ctx: ActionContext,
  haSetting: HaSettingView,
): string[] {
  const nowMs = cluster.clock.nowMs();
  const primary = !isStandInName(event.name);
  if (event.event === "fenced" && primary) {
    const others = mayRun(domainCopies(cluster)).filter(
      (c) => c.uuid === event.uuid && c.hostId !== event.hostId,
    );
    const standInElsewhere = others.length > 0 && others.every((c) => !c.isPrimary);
    const guest = { uuid: event.uuid, name: event.name };
    ledger.ha.noteLoss(event.hostId, nowMs, "fenced", [
      standInElsewhere ? { ...guest, standInElsewhere } : guest,
    ]);
  }
  if ((event.event === "fenced" || event.event === "destroyed") && !primary) {
    // A stand-in that was the guest's last copy: the guest is lost now (seed 129 x 800: h2 fenced
    // web--migratedaway while h1 held web--incoming, which h1 destroyed a moment later).
    const entry = ledger.byUuid(event.uuid);
    const left = mayRun(domainCopies(cluster)).filter((c) => c.uuid === event.uuid);
    if (left.length === 0 && entry?.ha && entry.status === "created")
      ledger.ha.noteLoss(event.hostId, nowMs, "dropped", [{ uuid: event.uuid, name: entry.name }]);
  }
  const oldName = event.detail?.oldName;
  if (
    event.event === "renamed" &&
    primary &&
    typeof oldName === "string" &&
    oldName.endsWith("--migratedaway")
  )
    if (ledger.ha.noteResumed(event.uuid, event.name, event.hostId, nowMs))
      ctx.trace(
        `${event.hostId} resumed ${event.name}: its migration's destination was lost with the copy it took`,
      );
  if (event.event === "created" && ledger.disabledAsDead.has(event.hostId))
    return [
      `${event.name} was placed on ${event.hostId}, which was declared dead and so disabled (no host-enable since)`,
    ];
  if (event.event !== "created" || !primary) return [];
  const copies = copiesByUuid(domainCopies(cluster)).get(event.uuid) ?? [];
  if (mayRun(copies).length > 1)
    return [`${event.name} started on ${event.hostId} while a copy still exists: ${describeCopies(copies)}`];
  if (!ledger.ha.noteCreated(event.uuid, event.name, event.hostId, nowMs)) return [];
  const entry = ledger.byUuid(event.uuid);
  if (entry) {
    entry.restartCount++;
    entry.checksum = undefined;
  }
  ctx.trace(`HA restarted ${event.name} on ${event.hostId}`);
  // HA off restarts nothing (docs/specs/ha.md §1, §4 rule 1): not since the start, nor once the
  // user was told `ha-disable` took effect.
  if (haSetting.offAsTold())
    return [`HA restarted ${event.name} on ${event.hostId} while HA is off (the user was told so)`];
  return [];
}

export function formatResult(result: VoprResult, stepCount: number, faults: readonly string[]): string {
  const simulatedS = (result.simulatedMs / 1000).toFixed(0);
  // The default mode prints what it always printed: its seeds' output compares byte for byte.
  const haMode = `${result.haMode === "on" ? "" : ` --ha ${result.haMode}`}${result.cancels ? " --cancel" : ""}`;
  if (result.violations.length === 0)
    return `seed ${result.seed}: ok (${result.stepCountRun} steps, ${simulatedS} s simulated; ${formatHaSummary(result.ha)})`;
  const lines = [
    `seed ${result.seed}: FAILED at step ${result.stepCountRun} (${simulatedS} s simulated)`,
    ...result.violations.map((v) => `  violation: ${v}`),
    `  last ${TRACE_TAIL_LINE_COUNT} steps:`,
    ...result.trace.slice(-TRACE_TAIL_LINE_COUNT).map((line) => `    ${line}`),
    `  replay: npm run vopr -- --seed ${result.seed} --steps ${stepCount} --faults ${faults.join(",")}${haMode}`,
  ];
  return lines.join("\n");
}
