import type { Scheduler } from "./scheduler.js";
import { NothingChangedError } from "../dom0/errors.js";
import type { Statefile } from "../contracts/statefile.js";
import { LeaseObserver, type ObservedLease } from "./ha-lease-observer.js";
import { LeaseReads, type ParsedLeaseRead } from "./ha-lease-reads.js";
import { purgeRestartTokens, restartLostHost, restartRestartedHosts } from "./ha-restart.js";
import { parseConfig } from "./placement-adapter.js";
import { settleWithinMs } from "../core/settle-within.js";
import {
  HA_CONFIG_KEY,
  HA_CONFIG_OFF,
  LEASE_KEY_PREFIX,
  leaseKey,
  leaseTiming,
  parseHaConfig,
  type HaConfig,
  type LeaseValue,
} from "../contracts/lease.js";

/**
 * How long a caller (`ha-status`) waits for a round of its own before it is refused: a round reads
 * the statefile (each call bounded by the store client) and, with HA on, revokes and restarts
 * (host calls, each bounded too), so a round this long is one stuck somewhere (docs/specs/ha.md §1).
 */
export const HA_ROUND_WAIT_MS_MAX = 15_000;
/**
 * A decision that needs a fresh read (`ha-enable`) tries this many rounds before it is refused: one
 * statefile call that timed out on a loaded broker (a key listing past its deadline) is not an
 * outage, and the user would only be told to try again (docs/specs/ha.md §1).
 */
export const HA_FRESH_ROUND_ATTEMPT_COUNT_MAX = 3;
/** A round under way this long is logged once, naming what it was doing. */
export const HA_ROUND_SLOW_LOG_MS = 10_000;

/**
 * The scheduler's side of HA (docs/specs/ha.md §5), derived from the statefile alone so that any
 * scheduler (a new one, a standby) reaches the same decision: observe the leases, revoke a lost
 * one with compare-and-set at the revision observed, restart the guests of revoked leases once.
 * NATS heartbeats play no part. Every round catches its errors: a missing broker is a round that
 * observed nothing, never a crash.
 */
export class HaMonitor {
  readonly observer = new LeaseObserver();
  config: HaConfig = HA_CONFIG_OFF;
  private running = false;
  /** When the round under way began, and what it is doing (logged if it runs long). */
  private roundStartedMs = 0;
  private phase = "idle";
  private slowLogged = false;
  /** Callers of freshRound waiting for the round under way to end. */
  private roundEndWaiters: (() => void)[] = [];
  private failing = false;
  /** Why the last round could not read the statefile (for a refusal's words). */
  private failure = "";
  private stopped = false;
  private cancel: (() => void) | undefined;
  /** Each lease as last read and what parseLease made of it (nothing here changes a LeaseValue). */
  private readonly leaseReads = new LeaseReads();
  /** Unprotected guests reported lost, per lost lease epoch (reported once). */
  private readonly reported = new Set<string>();
  /** The revision of the HA setting the last round read (the bucket's sequence: leases compare to it). */
  private configRevision = 0;
  /** `ha-enable`s and `ha-disable`s answered by this scheduler: a round begun before one acts no more. */
  private switchCount = 0;
  /** The leases of the last read whose epochs noteEpochs noted, in its order (the same map reads so again). */
  private epochsNotedRead: ReadonlyMap<string, ParsedLeaseRead> | undefined;
  private epochsNotedLeases: LeaseValue[] = [];

  constructor(
    readonly scheduler: Scheduler,
    private readonly statefile: Statefile,
    /** Who revokes a lease, as written in `revokedBy` (host-declare-dead writes it too). */
    readonly schedulerId: string,
  ) {}

  start(): void {
    const run = () => {
      if (this.stopped) return;
      this.logIfSlow();
      void this.round();
      this.cancel = this.scheduler.clock.setTimer(leaseTiming(this.config.timeoutMs).renewIntervalMs, run);
    };
    run();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** One observation and what follows from it; resolves when done (tests await it). */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.roundStartedMs = this.scheduler.clock.nowMs();
    this.slowLogged = false;
    try {
      const switchCount = this.switchCount;
      await this.observe();
      // Only the active scheduler (the leader lease's holder) revokes and restarts; not after an
      // ha-disable during this round (it read the setting before: docs/specs/ha.md §1).
      if (this.config.enabled && this.scheduler.isActive())
        await this.act(() => this.switchCount === switchCount);
      if (this.failing) this.scheduler.log("HA: statefile reachable again; observing leases afresh");
      this.failing = false;
    } catch (error) {
      this.observer.reset();
      if (!this.failing) this.scheduler.log(`HA: statefile unreachable, nothing decided: ${String(error)}`);
      this.failing = true;
      this.failure = error instanceof Error ? error.message : String(error);
    } finally {
      this.running = false;
      this.phase = "idle";
      for (const wake of this.roundEndWaiters.splice(0)) wake();
    }
  }

  /** What the round under way does, and for how long: for a refusal or a log line. */
  roundUnderWay(): string {
    return this.underWay();
  }

  /** What the round under way does, and for how long (ms) it has: for a refusal or a log line. */
  private underWay(): string {
    const forS = ((this.scheduler.clock.nowMs() - this.roundStartedMs) / 1000).toFixed(1);
    return `the scheduler's HA round has been under way for ${forS} s (${this.phase})`;
  }

  private logIfSlow(): void {
    if (!this.running || this.slowLogged) return;
    if (this.scheduler.clock.nowMs() - this.roundStartedMs < HA_ROUND_SLOW_LOG_MS) return;
    this.slowLogged = true;
    this.scheduler.log(`HA: ${this.underWay()}`);
  }

  /**
   * A round begun after this call, for a decision that must not rest on an older read (`ha-enable`,
   * docs/specs/ha.md §1): a round under way may have read the leases before the caller asked, and
   * `round()` returns at once while one runs. A round that could not read the statefile is followed
   * by another, up to HA_FRESH_ROUND_ATTEMPT_COUNT_MAX rounds within `waitMsMax`; then the call is
   * refused (UNAVAILABLE, nothing changed, the last round's reason given), unless `failingAnswers`
   * (`ha-status` shows what it knows after one round). Refused as well when no fresh round has
   * ended within `waitMsMax` (a round stuck somewhere: the refusal says for how long and doing what).
   */
  async freshRound(
    waitMsMax = HA_ROUND_WAIT_MS_MAX,
    options: { failingAnswers?: boolean } = {},
  ): Promise<void> {
    const clock = this.scheduler.clock;
    const deadlineMs = clock.nowMs() + waitMsMax;
    const fresh = async () => {
      if (this.running) await new Promise<void>((wake) => this.roundEndWaiters.push(wake));
      // Another round may have begun meanwhile (the timer's): it began after the call, so it will do.
      if (this.running) await new Promise<void>((wake) => this.roundEndWaiters.push(wake));
      else await this.round();
    };
    const attemptCountMax = options.failingAnswers ? 1 : HA_FRESH_ROUND_ATTEMPT_COUNT_MAX;
    for (let attemptCount = 1; ; attemptCount++) {
      if (!(await settleWithinMs(clock, fresh(), Math.max(0, deadlineMs - clock.nowMs()))))
        throw new NothingChangedError("UNAVAILABLE", `${this.underWay()}; nothing was changed, try again`);
      if (!this.failing || options.failingAnswers) return;
      if (attemptCount >= attemptCountMax || clock.nowMs() >= deadlineMs)
        throw new NothingChangedError(
          "UNAVAILABLE",
          `the scheduler cannot read the hosts' HA leases from the state store now ` +
            `(${attemptCount} ${attemptCount === 1 ? "round" : "rounds"}, the last: ${this.failure}); ` +
            "nothing was changed, try again",
        );
    }
  }

  /**
   * The user switched HA (`ha-disable`, written): a round under way decides nothing more; resolves
   * when it has ended (at once if none runs), false if it has not within `waitMsMax`.
   */
  async switched(waitMsMax: number): Promise<boolean> {
    this.switchCount++;
    if (!this.running) return true;
    const ended = new Promise<void>((wake) => this.roundEndWaiters.push(wake));
    return settleWithinMs(this.scheduler.clock, ended, waitMsMax);
  }

  /**
   * Of these leases, the hosts that answer a `List` now under the lease's epoch: alive, and running
   * under that lease, whether or not this scheduler saw it renewed yet (`ha-enable`, docs/specs/ha.md §1).
   */
  async answeringUnder(leases: readonly ObservedLease[]): Promise<Set<string>> {
    const answers = await Promise.all(
      leases.map((o) =>
        this.scheduler.options.gateway.list(o.lease.address).then(
          (reply) => reply.leaseEpoch === o.lease.epoch,
          () => false,
        ),
      ),
    );
    return new Set(leases.filter((_, i) => answers[i]).map((o) => o.hostId));
  }

  private async observe(): Promise<void> {
    this.phase = "reading the HA setting and the leases";
    const configEntry = await this.statefile.read(HA_CONFIG_KEY);
    const config = parseHaConfig(configEntry?.value);
    this.configRevision = configEntry?.revision ?? 0;
    // A new regime starts afresh: silence under the old setting does not count (docs/specs/ha.md §5).
    if (config.enabled !== this.config.enabled || config.timeoutMs !== this.config.timeoutMs)
      this.observer.reset();
    this.config = config;
    const leases = this.leaseReads.note(await this.statefile.readAll(LEASE_KEY_PREFIX));
    // HA off: who is unseen by its peers is not counted (nobody asks who is lost: act(), HA on only).
    const timing = config.enabled ? leaseTiming(config.timeoutMs) : undefined;
    this.observer.observe(leases, this.scheduler.clock.nowMs(), timing);
    this.scheduler.haEnabled = config.enabled;
    this.noteEpochs(leases);
  }

  /**
   * Each live lease's epoch, as the host's (Scheduler.hostEpochs, written here only): a new one
   * re-reads the host. A lease this did for at the last read, the same LeaseValue at the same
   * position of the same map (ha-lease-reads.ts), is passed over: it did nothing then, or made the
   * epoch its host's.
   */
  private noteEpochs(leases: ReadonlyMap<string, ParsedLeaseRead>): void {
    const same = leases === this.epochsNotedRead;
    const noted = same ? this.epochsNotedLeases : [];
    let position = 0;
    for (const { hostId, lease } of leases.values()) {
      if (same && noted[position] === lease) {
        position++;
        continue;
      }
      noted[position++] = lease;
      if (lease.state !== "live" || this.scheduler.hostEpochs.get(hostId) === lease.epoch) continue;
      this.scheduler.hostEpochs.set(hostId, lease.epoch);
      // Re-read the host now: its List reports the epoch it runs under, which the restart of the
      // guests of its old epoch compares with theirs (ha-restart.ts restartRestartedHosts).
      const host = this.scheduler.view.hosts.get(hostId);
      if (host?.liveness === "up") void this.scheduler.syncHost(host);
    }
    this.epochsNotedRead = leases;
    this.epochsNotedLeases = noted;
  }

  private async act(stillOn: () => boolean): Promise<void> {
    const nowMs = this.scheduler.clock.nowMs();
    for (const lost of this.observer.lost(nowMs, leaseTiming(this.config.timeoutMs))) {
      if (!stillOn()) continue;
      if (!armed(lost, this.configRevision)) return this.undoEnable(lost);
      this.phase = `revoking the lease of ${lost.hostId}`;
      await this.revoke(lost);
    }
    const revoked = this.observer.all().filter((o) => o.lease.state === "revoked");
    const notLive = revoked.map((o) => o.hostId);
    const restarter = { ownerId: this.schedulerId, excludeHostIds: notLive, stillOn };
    for (const o of revoked) {
      if (!stillOn()) return;
      this.phase = `restarting the protected guests of ${o.hostId}`;
      await restartLostHost(
        this.scheduler,
        this.statefile,
        { hostId: o.hostId, epoch: o.lease.epoch, stillLost: () => this.stillAt(o) },
        restarter,
      );
      this.reportUnprotected(o);
    }
    if (!stillOn()) return;
    this.phase = "restarting the protected guests of restarted hosts";
    await restartRestartedHosts(this.scheduler, this.statefile, restarter);
    this.phase = "purging restart tokens";
    await purgeRestartTokens(this.scheduler, this.statefile);
  }

  /**
   * A lost lease whose host never wrote it with HA on since the setting: that host may run its
   * guests with HA off (cut from the store since before the `ha-enable`), holding and fencing
   * nothing, so revoking it would start second copies (VOPR `--ha toggle` seed 26: h4, cut from
   * the broker 3 s before the enable, ran vpn while HA restarted it on h1); or it died before it
   * learnt, and then it never will. Either way the enable did not take: `ha-enable` waits for every
   * host to renew with HA on and else turns HA off again (ha-admin.ts), and this finishes that when
   * the enable could not (its scheduler crashed, seed 29 x 125; the store lost): HA off again, with
   * compare-and-set at the setting's revision (a setting written since stands). Nothing restarts.
   */
  private async undoEnable(lost: ObservedLease): Promise<void> {
    const off: HaConfig = { enabled: false, timeoutMs: this.config.timeoutMs };
    const written = await this.statefile.update(HA_CONFIG_KEY, JSON.stringify(off), this.configRevision);
    if (written === undefined) return;
    this.scheduler.log(
      `HA: ${lost.hostId}'s lease is not renewed, and its host has not renewed it with HA on since HA was enabled (it may run its guests with HA off): the enable did not take; HA is off again`,
    );
    this.config = off;
    this.observer.reset();
  }

  private async revoke(lost: ObservedLease): Promise<void> {
    const value: LeaseValue = { ...lost.lease, state: "revoked", revokedBy: this.schedulerId };
    const ageMs = (this.scheduler.clock.nowMs() - lost.sinceMs).toFixed(0);
    const revision = await this.statefile.update(leaseKey(lost.hostId), JSON.stringify(value), lost.revision);
    if (revision === undefined) {
      this.scheduler.log(`HA: ${lost.hostId} renewed its lease meanwhile: not revoked`);
      return;
    }
    this.scheduler.log(
      `HA: revoked the lease of ${lost.hostId} (unchanged for ${ageMs} ms, unseen by its peers)`,
    );
    this.observer.observe(
      new Map([
        ...this.observer.all().map((o) => [o.hostId, { lease: o.lease, revision: o.revision }] as const),
        [lost.hostId, { lease: value, revision }],
      ]),
      this.scheduler.clock.nowMs(),
      leaseTiming(this.config.timeoutMs),
    );
  }

  /** Whether the lease is still at the revision observed (nobody wrote it since). */
  private async stillAt(o: ObservedLease): Promise<boolean> {
    return (await this.statefile.read(leaseKey(o.hostId)))?.revision === o.revision;
  }

  /** Unprotected guests of a lost host are not restarted (XAPI): say so once. */
  private reportUnprotected(o: ObservedLease): void {
    // Declared dead: its guests were declared halted, and that was said then (declare-dead.ts).
    if (o.lease.declaredDead) return;
    const key = `${o.hostId}.${o.lease.epoch}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const host = this.scheduler.view.hosts.get(o.hostId);
    const lost = [...(host?.domains.values() ?? [])]
      .filter((d) => parseConfig(d.configJson)?.xsim.ha === undefined)
      .map((d) => d.name);
    if (lost.length > 0) this.scheduler.log(`HA: lost with ${o.hostId} (unprotected): ${lost.join(", ")}`);
  }
}

/**
 * Whether the lease was written by its host with HA on after the setting of revision
 * `configRevision` (the bucket's revisions are one sequence): only such a host holds and fences by
 * the HA rules (docs/specs/ha.md §4), and only its lease may be revoked.
 */
function armed(lease: ObservedLease, configRevision: number): boolean {
  return lease.lease.ha === true && lease.revision > configRevision;
}
