import type { Prng } from "../../core/prng.js";
import { declaredSoFar } from "../../scheduler/declare-dead.js";
import { RESET_HALTED } from "../../scheduler/reset-powerstate.js";
import { isCutShort, subjectsOf } from "../../scheduler/steps-done.js";
import { encodeJson } from "../../contracts/bus.js";
import { heartbeatSubject } from "../../contracts/subjects.js";
import { BROKER_ID } from "../network.js";
import { SCHEDULER_ID, type SimCluster } from "../cluster.js";
import type { SimUser } from "../sim-user.js";
import type { Ledger, LedgerEntry } from "./ledger.js";
import type { LostGuest } from "./ha-history.js";
import { domainCopies, guestNameOf, mayRun, type DomainCopy } from "./world.js";
import { isNothingChanged } from "../../dom0/errors.js";
import type { HaSettingView } from "./ha-setting.js";

/** Names the VOPR's guests take: few, so that creates collide with names in use. */
export const VOPR_NAMES = ["web", "db", "cache", "mail", "dns", "ci", "log", "vpn"] as const;
/** Memory of each VOPR guest (small: real pages, real checksums). */
export const VOPR_GUEST_MIB = 32;

export type FaultKind =
  | "kill-host"
  | "restart-host"
  | "stall-host"
  | "partition-host"
  | "partition-host-from-broker"
  | "heal"
  | "broker-outage"
  | "scheduler-crash"
  | "message-faults"
  | "forged-heartbeat"
  /** A create that reuses a name in use (the cluster must refuse it). */
  | "duplicate-name";

export const ALL_FAULTS: readonly FaultKind[] = [
  "kill-host",
  "restart-host",
  "stall-host",
  "partition-host",
  "partition-host-from-broker",
  "heal",
  "broker-outage",
  "scheduler-crash",
  "message-faults",
  "forged-heartbeat",
  "duplicate-name",
];

export interface ActionContext {
  cluster: SimCluster;
  user: SimUser;
  ledger: Ledger;
  prng: Prng;
  faults: ReadonlySet<FaultKind>;
  trace(line: string): void;
  /** Work started by a step and still running (user calls, restarts). */
  background(work: Promise<unknown>): void;
  /** The cluster's HA setting and what the user was told of it (toggle mode's haToggle). */
  haSetting?: HaSettingView;
  /** T for `ha-enable` (toggle mode). */
  haTimeoutMs?: number;
}

function pick<T>(prng: Prng, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[prng.nextInt(items.length)];
}

function guestCfg(name: string, ha: boolean, workload: string): string {
  const lines = [
    `name = "${name}"`,
    `type = "pvh"`,
    `kernel = "/k"`,
    `memory = ${VOPR_GUEST_MIB}`,
    `vcpus = 1`,
  ];
  if (ha) lines.push(`xsim_ha = "restart"`);
  lines.push(`xsim_workload = "${workload}"`);
  return `${lines.join("\n")}\n`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `xsim create` through the scheduler: the ledger records what the user is told. */
export function userCreate(ctx: ActionContext): void {
  const inUse = ctx.ledger.namesInUse();
  // One create in eight reuses a name in use: the cluster must refuse it.
  const duplicate = ctx.prng.nextInt(8) === 0 && ctx.faults.has("duplicate-name");
  const name = pick(
    ctx.prng,
    VOPR_NAMES.filter((n) => inUse.has(n) === duplicate),
  );
  if (!name) return;
  const ha = ctx.prng.nextInt(2) === 0;
  const busy = ctx.prng.nextInt(4) === 0;
  const entry = ctx.ledger.add(name, ha);
  ctx.trace(`create ${name}${ha ? " ha" : ""}${busy ? " busy" : ""}${duplicate ? " (name in use)" : ""}`);
  const cfg = guestCfg(name, ha, busy ? "uniform:rate=200" : "idle");
  ctx.background(
    ctx.user.create(cfg, `${name}.cfg`).then(
      (placed) => {
        ctx.ledger.created(entry, placed.domain.uuid);
        const copy = domainCopies(ctx.cluster).find((c) => c.uuid === entry.uuid && c.isPrimary);
        if (!busy && copy) entry.checksum = copy.checksum();
        const lost = entry.status === "lost" ? " (lost: its host was killed before the answer came)" : "";
        ctx.trace(`created ${name} on ${placed.hostId}${lost}`);
      },
      (error: unknown) => {
        entry.status = "create-failed";
        ctx.trace(`create ${name} failed: ${describe(error)}`);
      },
    ),
  );
}

function liveEntry(ctx: ActionContext): LedgerEntry | undefined {
  return pick(
    ctx.prng,
    ctx.ledger.entries.filter((e) => e.status === "created"),
  );
}

export function userDestroy(ctx: ActionContext): void {
  const entry = liveEntry(ctx);
  const copy = entry && domainCopies(ctx.cluster).find((c) => c.uuid === entry.uuid && c.isPrimary);
  if (!entry || !copy) return;
  ctx.trace(`destroy ${entry.name} on ${copy.hostId}`);
  entry.status = "destroying";
  ctx.background(
    ctx.user.destroy(copy.hostId, entry.name).then(
      () => {
        entry.status = "destroyed";
        ctx.trace(`destroyed ${entry.name}`);
      },
      (error: unknown) => {
        // Told it failed: it may or may not still run (the host may have done it and not answered),
        // unless the refusal changed nothing (an HA guest with the store unreachable, or its host's
        // lease unconfirmed: dom0/errors.ts NothingChangedError): then it must run.
        entry.status = isNothingChanged(error) ? "created" : "destroy-failed";
        ctx.trace(`destroy ${entry.name} failed: ${describe(error)}`);
      },
    ),
  );
}

/** Pauses a guest directly on its host (`xsim -H host pause`) and remembers its memory. */
export function userPause(ctx: ActionContext): void {
  const entry = liveEntry(ctx);
  const copy = entry && domainCopies(ctx.cluster).find((c) => c.uuid === entry.uuid && c.isPrimary);
  if (!entry || !copy || copy.paused || !ctx.cluster.host(copy.hostId).process.isRunning) return;
  const toolstack = ctx.cluster.host(copy.hostId).toolstack;
  if (toolstack.isMigrating(copy.domid)) return;
  toolstack.pause(String(copy.domid));
  entry.checksum = copy.checksum();
  ctx.trace(`pause ${entry.name} on ${copy.hostId}`);
}

export function userMigrate(ctx: ActionContext): void {
  const entry = liveEntry(ctx);
  if (!entry) return;
  ctx.trace(`migrate ${entry.name}`);
  ctx.background(
    ctx.user.migrate(entry.name).then(
      (last) => ctx.trace(`migrate ${entry.name}: ${last.stats?.status} ${last.stats?.error ?? ""}`.trim()),
      (error: unknown) => ctx.trace(`migrate ${entry.name} failed: ${describe(error)}`),
    ),
  );
}

/** A cancelled migration's pace: 32 MiB in about 1.3 s, so a cancel may find it in any phase. */
export const CANCEL_CASE_BANDWIDTH = "200Mbit/s";
/** The cancel comes 0 ms to this long after the migrate: before it starts, in the stream, or after it ended. */
export const CANCEL_DELAY_MS_MAX = 2000;

/**
 * `--cancel`: the user starts a migration and cancels it a moment later (`xsim migrate-cancel` at
 * the host that runs the guest then), whatever phase it is in: refused before it begins or once
 * handed over, honoured in between (docs/specs/migration-protocol.md, "Cancel").
 */
export function userMigrateThenCancel(ctx: ActionContext): void {
  const entry = liveEntry(ctx);
  if (!entry) return;
  const name = entry.name;
  const delayMs = ctx.prng.nextInt(CANCEL_DELAY_MS_MAX + 1);
  ctx.trace(`migrate ${name} bandwidth=${CANCEL_CASE_BANDWIDTH}, then cancel it ${delayMs} ms later`);
  ctx.background(
    ctx.user.migrate(name, "", undefined, { bandwidth: CANCEL_CASE_BANDWIDTH }).then(
      (last) => ctx.trace(`migrate ${name}: ${last.stats?.status} ${last.stats?.error ?? ""}`.trim()),
      (error: unknown) => ctx.trace(`migrate ${name} failed: ${describe(error)}`),
    ),
  );
  ctx.cluster.clock.setTimer(delayMs, () => {
    const host = ctx.user.hostOf(name);
    if (!host) return ctx.trace(`migrate-cancel ${name}: no host runs it`);
    ctx.background(
      ctx.user.migrateCancel(host.hostId, name).then(
        (stats) => ctx.trace(`migrate-cancel ${name} at ${host.hostId}: ${stats.status}`),
        (error: unknown) => ctx.trace(`migrate-cancel ${name} at ${host.hostId} refused: ${describe(error)}`),
      ),
    );
  });
}

export function userEvacuate(ctx: ActionContext): void {
  const host = pick(ctx.prng, [...ctx.cluster.hosts.keys()]);
  if (!host) return;
  ctx.trace(`host-evacuate ${host}`);
  ctx.background(
    ctx.user.evacuate(host).then(
      (done) => ctx.trace(`host-evacuate ${host}: ${done ? "done" : "not all moved"}`),
      (error: unknown) => ctx.trace(`host-evacuate ${host} failed: ${describe(error)}`),
    ),
  );
}

/** A host dies: its non-HA guests die with it (the user sees the host die); HA ones must come back. */
export function killHost(ctx: ActionContext): void {
  const hosts = [...ctx.cluster.hosts.values()];
  // XAPI's ha-host-failures-to-tolerate: one host down at a time (until it restarts).
  if (hosts.some((h) => h.process.state !== "running")) return;
  const host = pick(ctx.prng, hosts);
  if (!host) return;
  const everywhere = domainCopies(ctx.cluster);
  const copies = everywhere.filter((c) => c.hostId === host.hostId);
  ctx.ledger.noteKilled(copies.map((c) => c.uuid));
  const lost = protectedGuestsLost(host.hostId, everywhere);
  ctx.ledger.ha.noteLoss(host.hostId, ctx.cluster.clock.nowMs(), "killed", lost);
  ctx.cluster.killHost(host.hostId);
  const primaryHere = new Set(copies.filter((c) => c.isPrimary).map((c) => c.uuid));
  const standIns = copies.filter(
    (c) => !c.isPrimary && !primaryHere.has(c.uuid) && lost.some((g) => g.uuid === c.uuid),
  );
  const holding = standIns.map((c) => `${guestNameOf(c.name)}'s last copy as ${c.name}`).join(", ");
  ctx.trace(`kill ${host.hostId}${holding === "" ? "" : ` (holding ${holding})`}`);
}

/**
 * The protected guests a host's death takes: each one it runs (a primary copy), and each one of
 * which it holds only a migration's stand-in (NAME--migratedaway, paused while the handover's
 * outcome is unknown, or NAME--incoming) while no other host holds a copy that may still run: then
 * that stand-in was the guest's last copy and HA must restart it (VOPR seed 64 x 75 once; actions.test.ts).
 */
export function protectedGuestsLost(hostId: string, everywhere: readonly DomainCopy[]): LostGuest[] {
  const mayRunElsewhere = mayRun(everywhere.filter((c) => c.hostId !== hostId));
  const elsewhere = new Set(mayRunElsewhere.map((c) => c.uuid));
  const primaryElsewhere = new Set(mayRunElsewhere.filter((c) => c.isPrimary).map((c) => c.uuid));
  const lost = new Map<string, LostGuest>();
  for (const c of everywhere.filter((copy) => copy.hostId === hostId)) {
    if (!c.isProtected || (!c.isPrimary && elsewhere.has(c.uuid))) continue;
    if (c.isPrimary && elsewhere.has(c.uuid) && !primaryElsewhere.has(c.uuid)) {
      // Killed while its migration's destination held NAME--incoming: that stand-in's end before
      // any restart is this same loss (VOPR seed 146 x 800), as with a fence (ha-history.ts).
      lost.set(c.uuid, { uuid: c.uuid, name: c.name, standInElsewhere: true });
      continue;
    }
    if (c.isPrimary || !lost.has(c.uuid))
      lost.set(c.uuid, { uuid: c.uuid, name: c.isPrimary ? c.name : guestNameOf(c.name) });
  }
  return [...lost.values()];
}

export function restartHost(ctx: ActionContext): void {
  const host = pick(
    ctx.prng,
    [...ctx.cluster.hosts.values()].filter((h) => h.process.state === "crashed"),
  );
  if (!host) return;
  ctx.cluster.restartHost(host.hostId);
  ctx.trace(`restart ${host.hostId}`);
}

export function stallHost(ctx: ActionContext): void {
  const host = pick(ctx.prng, [...ctx.cluster.hosts.keys()]);
  if (!host) return;
  const durationMs = 500 + ctx.prng.nextInt(6000);
  ctx.cluster.stall(host, durationMs);
  ctx.trace(`stall ${host} ${durationMs} ms`);
}

export function partitionHost(ctx: ActionContext, fromBrokerOnly: boolean): void {
  const host = pick(ctx.prng, [...ctx.cluster.hosts.keys()]);
  if (!host) return;
  ctx.cluster.network.partition([host], fromBrokerOnly ? [BROKER_ID] : undefined);
  ctx.trace(`partition ${host}${fromBrokerOnly ? " from the broker" : ""}`);
}

export function heal(ctx: ActionContext): void {
  ctx.cluster.network.heal();
  ctx.cluster.network.faults = {
    dropRate: 0,
    duplicateRate: 0,
    delayMsMin: 0,
    delayMsMax: 1,
    reorder: false,
  };
  ctx.trace("heal");
}

export function brokerOutage(ctx: ActionContext): void {
  if (ctx.cluster.network.process(BROKER_ID).state !== "running") {
    ctx.cluster.brokerUp();
    ctx.trace("broker up");
  } else {
    ctx.cluster.brokerDown();
    ctx.trace("broker down");
  }
}

export function schedulerCrash(ctx: ActionContext): void {
  if (ctx.cluster.network.process(SCHEDULER_ID).state !== "running") {
    ctx.trace("scheduler restart");
    ctx.background(ctx.cluster.restartScheduler());
  } else {
    ctx.cluster.crashScheduler();
    ctx.trace("scheduler crash");
  }
}

export function messageFaults(ctx: ActionContext): void {
  const faults = {
    dropRate: ctx.prng.nextInt(3) * 0.05,
    duplicateRate: ctx.prng.nextInt(3) * 0.05,
    delayMsMin: 0,
    delayMsMax: 1 + ctx.prng.nextInt(200),
    reorder: ctx.prng.nextInt(2) === 0,
  };
  ctx.cluster.network.faults = faults;
  ctx.trace(`message faults ${JSON.stringify(faults)}`);
}

/** Anyone on the bus publishes a heartbeat in a host's name: a dead address, a tiny interval. */
export function forgedHeartbeat(ctx: ActionContext): void {
  const host = pick(ctx.prng, [...ctx.cluster.hosts.keys()]);
  if (!host) return;
  const forged = {
    hostId: host,
    address: "sim://nowhere",
    sequence: 0,
    timeMs: 0,
    pcpus: 1,
    hvm: false,
    totalMemoryKib: 1,
    freeMemoryKib: 1,
    domainCount: 1,
    vcpusAllocated: 0,
    migrationsOutbound: 0,
    migrationsInbound: 0,
    intervalMs: 1,
  };
  ctx.cluster.broker.inject(heartbeatSubject(host), encodeJson(forged));
  ctx.trace(`forged heartbeat for ${host}`);
}

/**
 * The user switches HA (docs/specs/ha.md §1): `xsim ha-disable` when the statefile says it is on,
 * else `xsim ha-enable --timeout T --allow-short-timeout`; one time in four the same verb again
 * (an enable while on with the same T, a disable while off). A refused enable changes nothing.
 */
export function haToggle(ctx: ActionContext): void {
  const setting = ctx.haSetting;
  if (!setting || ctx.haTimeoutMs === undefined) return;
  const again = ctx.prng.nextInt(4) === 0;
  const enable = setting.enabled === again;
  if (enable) {
    ctx.trace("ha-enable");
    ctx.background(
      ctx.user.haEnable(ctx.haTimeoutMs).then(
        (state) => {
          if (state.enabled) setting.counts.enabled++;
          ctx.trace(`ha-enable: ${state.enabled ? "on" : "off"}`);
        },
        (error: unknown) => {
          setting.counts.enableRefused++;
          ctx.trace(`ha-enable refused: ${describe(error)}`);
        },
      ),
    );
    return;
  }
  ctx.trace("ha-disable");
  ctx.background(
    ctx.user.haDisable().then(
      (state) => {
        if (!state.enabled) setting.noteToldOff(ctx.cluster.clock.nowMs());
        ctx.trace(`ha-disable: ${state.enabled ? "on" : "off"}`);
      },
      (error: unknown) => ctx.trace(`ha-disable failed: ${describe(error)}`),
    ),
  );
}

/**
 * The administrator declares a host dead (`xsim host-declare-dead`, docs/specs/ha.md §7), telling
 * the truth: only a host the VOPR killed and has not restarted. The guests the reply calls halted
 * are owed no run and never run again, and nothing runs on that host under the lease epoch it was
 * declared dead under (checkers.ts checkDeclaredDead). A refusal changes nothing.
 */
export function declareDead(ctx: ActionContext): void {
  const host = pick(
    ctx.prng,
    [...ctx.cluster.hosts.values()].filter((h) => h.process.state === "crashed"),
  );
  if (!host) return;
  const hostId = host.hostId;
  ctx.trace(`host-declare-dead ${hostId}`);
  ctx.background(
    ctx.user.hostDeclareDead(hostId).then(
      (declared) => {
        const running = new Set(mayRun(domainCopies(ctx.cluster)).map((c) => c.uuid));
        const runs = (uuid: string) => running.has(uuid);
        ctx.ledger.noteHalted(hostId, declared.leaseEpoch, declared.halted, runs, declared.disabled);
        if (ctx.haSetting) ctx.haSetting.counts.declaredDead++;
        const restarts =
          declared.restarting.length > 0 ? `; HA restarts ${declared.restarting.join(", ")}` : "";
        ctx.trace(
          `host-declare-dead ${hostId}: disabled; halted ${declared.halted.join(", ") || "none"}${restarts}`,
        );
      },
      (error: unknown) => {
        // Cut short after the revocation: declared dead all the same, and what it halted stays halted.
        const cut = declaredSoFar(error);
        if (cut) {
          const running = new Set(mayRun(domainCopies(ctx.cluster)).map((c) => c.uuid));
          const runs = (uuid: string) => running.has(uuid);
          ctx.ledger.noteHalted(hostId, cut.leaseEpoch, cut.halted, runs, cut.disabled);
        }
        ctx.trace(`host-declare-dead ${hostId} refused: ${describe(error)}`);
      },
    ),
  );
}

/**
 * The administrator resets the power state of a guest lost while HA is off (`xsim
 * vm-reset-powerstate NAME --force`, docs/specs/ha.md §8), telling the truth: a protected guest the
 * user still has, lost with its host more often than HA restarted it, with no copy left on any
 * host, while the setting says HA is off. A guest the reply calls halted is owed no run and never
 * runs again (checkers.ts checkDeclaredDead), and its name is free for the user's creates. A
 * refusal changes nothing (its host renewed its lease within T, or came back under the epoch...).
 */
export function resetPowerState(ctx: ActionContext): void {
  if (ctx.haSetting?.enabled !== false) return;
  const anyCopy = new Set(domainCopies(ctx.cluster).map((c) => c.uuid));
  const restarts = ctx.ledger.ha.byGuest();
  const entry = pick(
    ctx.prng,
    ctx.ledger.entries.filter(
      (e) =>
        e.status === "created" &&
        e.ha &&
        e.uuid !== undefined &&
        !anyCopy.has(e.uuid) &&
        ctx.ledger.ha.lossCount(e.uuid) > (restarts.get(e.uuid)?.restarts.length ?? 0),
    ),
  );
  if (!entry) return;
  const name = entry.name;
  ctx.trace(`vm-reset-powerstate ${name} --force`);
  const noteHalted = () => {
    const running = new Set(mayRun(domainCopies(ctx.cluster)).map((c) => c.uuid));
    if (ctx.ledger.noteReset(entry, (uuid) => running.has(uuid)) && ctx.haSetting)
      ctx.haSetting.counts.powerStateReset++;
  };
  ctx.background(
    ctx.user.vmResetPowerState(name).then(
      (reset) => {
        if (reset.halted) noteHalted();
        ctx.trace(
          `vm-reset-powerstate ${name}: ${reset.halted ? "halted" : "HA restarts it"} (${reset.lostBecause})`,
        );
      },
      (error: unknown) => {
        // Cut short once its HA record was dropped: halted all the same (its name freed by a retry).
        if (isCutShort(error) && subjectsOf(error.done, RESET_HALTED).includes(name)) noteHalted();
        ctx.trace(`vm-reset-powerstate ${name} refused: ${describe(error)}`);
      },
    ),
  );
}
