import type { Clock, ClockTimer } from "../core/clock.js";
import type { Statefile } from "../contracts/statefile.js";
import type { HaGuests } from "./ha-guests.js";
import { PeerView } from "./peer-view.js";
import { decideLease, mayRenew, type LeaseVerdict } from "./lease-decision.js";
import {
  HA_CONFIG_KEY,
  HA_CONFIG_OFF,
  HA_OFF_ROUND_RENEW_INTERVAL_COUNT,
  LEASE_KEY_PREFIX,
  leaseKey,
  leaseTiming,
  parseHaConfig,
  parseLease,
  type HaConfig,
  type LeaseTiming,
  type LeaseValue,
} from "../contracts/lease.js";

/**
 * The network heartbeat to one peer: resolves with the peers it reaches itself if it answered
 * within `deadlineMs`, undefined if not.
 */
export type PeerPinger = (address: string, deadlineMs: number) => Promise<readonly string[] | undefined>;

export interface LeaseKeeperOptions {
  hostId: string;
  /** Where peers ping this host. */
  address: () => string;
  clock: Clock;
  statefile: Statefile;
  ping: PeerPinger;
  guests: HaGuests;
  log: (line: string) => void;
  /** New at each start of the host process (docs/specs/ha.md §3). */
  epoch: string;
  /**
   * Called when guards may decide something again (HA comes on, or this host's lease is found
   * revoked): the host must call guard() while awake (a host resting or sharing its seconds wakes).
   */
  onGuarding?: () => void;
}

/**
 * Guards run at least every renew interval while awake (each round ends with one, and every guest
 * tick); a gap of this many renew intervals between two means the host slept (a stall, SIGSTOP).
 */
export const SLEEP_GAP_RENEW_INTERVAL_COUNT = 3;

/**
 * How long after its start a host holds a create of a protected guest while it has not read the
 * HA setting (and, with HA on, written its lease) yet, rather than refusing it at once (ha.md §4
 * rule 7): a few statefile rounds on a loaded machine. Past it the refusal stands.
 */
export const HA_FIRST_READ_WAIT_MS = 10_000;

export { HA_OFF_ROUND_RENEW_INTERVAL_COUNT };

/** A settled promise for a round to wait a step on (the one Promise.resolve() made afresh: the same step). */
const SETTLED: Promise<void> = Promise.resolve();

/** The same host ids in the same order. */
function sameHostIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Ping rounds a host runs back to back when HA comes on, to renew with HA on at once (LeaseKeeper.arming). */
const ARMING_PING_ROUND_COUNT_MAX = 3;

/**
 * A host's side of HA (docs/specs/ha.md §3-4): renews its lease in the statefile, pings its peers
 * on the network channel, and holds or fences its protected guests when the decision says so.
 * `guard()` is cheap and synchronous: the host calls it before every guest tick and RPC.
 */
export class LeaseKeeper {
  private config: HaConfig = HA_CONFIG_OFF;
  /** Whether the cluster's HA setting was ever read (until then HA may be on for all we know). */
  private configRead = false;
  private timing: LeaseTiming = leaseTiming(HA_CONFIG_OFF.timeoutMs);
  readonly view: PeerView;
  private readonly addresses = new Map<string, string>();
  private readonly pinging = new Set<string>();
  private revision: number | undefined;
  private lastRenewOkMs: number;
  private revoked = false;
  /** Our revoked lease says `host-declare-dead` (LeaseValue.declaredDead): the fence takes every guest. */
  private declaredDead = false;
  private minoritySinceMs: number | undefined;
  /** When guard last ran: the time outside the majority counts only while awake (§4 rule 3). */
  private lastGuardMs: number | undefined;
  private holding = false;
  /** A compare-and-set renewal succeeded since the hold began (lease-decision.ts renewedSinceHold). */
  private renewedSinceHold = false;
  private roundRunning = false;
  /** A round was asked for while one ran (the watch saw the setting change): run one after it. */
  private roundAgain = false;
  /**
   * HA came on and no lease has been written with it since: the first renewal waits for the peers'
   * answers (mayRenew), so it is made as soon as they allow, not a renew interval later (ha-enable
   * waits for every host to renew with HA on, HA_ENABLE_HOSTS_ON_WAIT_MS_MAX, whatever T is).
   */
  private arming = false;
  /** When the last round began, and when the next one is due (undefined before the first). */
  private roundStartedMs = 0;
  private nextRoundDueMs: number | undefined;
  /** The next round's timer: one for all rounds (a round every few seconds per host). */
  private readonly roundTimer: ClockTimer;
  private unwatch: (() => void) | undefined;
  /** Pushes of the setting by the watch so far (each makes the next round read it again). */
  private settingPushCount = 0;
  /**
   * The watch's continuity and the push count when the last successful read of the setting was
   * sent; undefined before it, after a failed one, or when the statefile cannot vouch for its watch.
   */
  private settingReadMark: { continuity: number; pushCount: number } | undefined;
  private failing = false;
  private stopped = false;
  fenceCount = 0;
  private epoch: string;
  private startedAtMs: number | undefined;
  private readonly firstReadWaiters: Array<() => void> = [];
  private readonly ownLeaseKey: string;
  /** The last live lease written, and what it was made of (leaseText). */
  private lastLease:
    { address: string; epoch: string; sees: readonly string[]; ha: boolean; text: string } | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.epoch = options.epoch;
    this.ownLeaseKey = leaseKey(options.hostId);
    this.lastRenewOkMs = options.clock.nowMs();
    this.view = new PeerView(options.hostId, this.timing.peerSeenWindowMs, this.timing.timeoutMs);
    this.roundTimer = options.clock.timer(this.runRound);
  }

  /**
   * Both channels on one timer: a statefile round and a ping round every renew interval (every
   * HA_OFF_ROUND_RENEW_INTERVAL_COUNT with HA off), and a round at once when the watched setting
   * changes.
   */
  start(): void {
    this.startedAtMs = this.options.clock.nowMs();
    this.unwatch = this.options.statefile.watch(HA_CONFIG_KEY, (entry) => this.onSettingPushed(entry?.value));
    this.runRound();
  }

  stop(): void {
    this.stopped = true;
    this.roundTimer.cancel();
    this.unwatch?.();
  }

  get haConfig(): HaConfig {
    return this.config;
  }

  /**
   * Whether guard() may decide anything: HA on, a hold to end or a revoked lease to fence (§4 rule
   * 1). Otherwise, HA off, it is a no-op.
   */
  get guarding(): boolean {
    return this.config.enabled || this.holding || this.revoked;
  }

  /** Whether its protected guests are paused by a hold now (§4 rule 4). */
  get isHolding(): boolean {
    return this.holding;
  }

  /** The epoch of this boot's lease: `<boot epoch>.<fence count>` after a fence. */
  get leaseEpoch(): string {
    return this.epoch;
  }

  /** A peer pinged us: we ping it back even before we read its lease. */
  notePeer(hostId: string, address: string): void {
    if (hostId !== this.options.hostId) this.addresses.set(hostId, address);
  }

  /**
   * Why a protected guest may not start here now, or undefined if it may (docs/specs/ha.md §4):
   * once the HA setting was read; with HA on, only while this boot's lease is written, renewed
   * within T and not revoked. A host
   * back from a fence or a restart takes none before its new lease is in the statefile, so that
   * the scheduler's restart of the old lease's guests never meets a guest started since.
   */
  protectedRefusal(): string | undefined {
    if (!this.configRead) return "it has not read the cluster's HA setting from the state store yet";
    if (!this.config.enabled) return undefined;
    if (this.revoked) return "its HA lease was revoked";
    if (this.revision === undefined) return "its HA lease is not written yet";
    const ageMs = this.options.clock.nowMs() - this.lastRenewOkMs;
    if (ageMs >= this.timing.timeoutMs) return `its HA lease was last renewed ${ageMs.toFixed(0)} ms ago`;
    return undefined;
  }

  /**
   * Why a protected guest paused here may not run again now, or undefined if it may (docs/specs/
   * ha.md §4 rule 8): not while the host holds its guests, nor while its lease is unconfirmed
   * (protectedRefusal). A paused copy on a host whose lease was revoked therefore never runs again:
   * a revoked lease cannot be renewed (compare-and-set), and the host fences once it reads it.
   */
  unpauseRefusal(): string | undefined {
    if (this.holding) {
      const ageMs = (this.options.clock.nowMs() - this.lastRenewOkMs).toFixed(0);
      return `it holds its protected guests: its HA lease was last renewed ${ageMs} ms ago, outside the majority of its peers`;
    }
    return this.protectedRefusal();
  }

  /**
   * While it holds: pauses the protected guests that run again, those a migration had when the
   * hold began (the hold leaves them to it) and gave back since, refused at the handover or failed
   * (docs/specs/ha.md §4 rule 9). The host calls it when each migration out ends.
   */
  holdAgain(): void {
    if (!this.holding) return;
    const held = this.options.guests.hold();
    if (held.length > 0) this.options.log(`HA: still holding: paused ${held.join(", ")} too`);
  }

  /** Whether the host still waits for its first statefile round: the setting, and the lease if HA is on. */
  private get firstReadPending(): boolean {
    return !this.configRead || (this.config.enabled && !this.revoked && this.revision === undefined);
  }

  /**
   * Resolves once the first statefile round is over, or at HA_FIRST_READ_WAIT_MS after the start
   * (at once past it): a create of a protected guest right after the host started waits for it
   * instead of meeting a transient refusal; protectedRefusal() then decides.
   */
  async firstRead(): Promise<void> {
    if (!this.firstReadPending || this.startedAtMs === undefined) return;
    const leftMs = this.startedAtMs + HA_FIRST_READ_WAIT_MS - this.options.clock.nowMs();
    if (leftMs <= 0) return;
    await new Promise<void>((resolve) => {
      const cancel = this.options.clock.setTimer(leftMs, resolve);
      this.firstReadWaiters.push(() => {
        cancel();
        resolve();
      });
    });
  }

  private wakeFirstReadWaiters(): void {
    // Nobody waits (every round after the first): no splice, whose empty array each round was garbage.
    if (this.firstReadWaiters.length > 0 && !this.firstReadPending)
      for (const wake of this.firstReadWaiters.splice(0)) wake();
  }

  /** Evaluates the decision now and acts on it; returns the verdict (tests, logs). */
  guard(): LeaseVerdict {
    if (!this.guarding) return "run";
    const nowMs = this.options.clock.nowMs();
    const standing = this.view.standing(nowMs);
    const sleptMs = nowMs - (this.lastGuardMs ?? nowMs);
    this.lastGuardMs = nowMs;
    // Woken from a sleep: its peers look silent only because it slept; minority time starts now.
    if (sleptMs > SLEEP_GAP_RENEW_INTERVAL_COUNT * this.timing.renewIntervalMs)
      this.minoritySinceMs = undefined;
    if (standing === "majority") this.minoritySinceMs = undefined;
    else this.minoritySinceMs ??= nowMs;
    const verdict = decideLease({
      haEnabled: this.config.enabled,
      timeoutMs: this.timing.timeoutMs,
      isolationConfirmMs: this.timing.isolationConfirmMs,
      nowMs,
      lastRenewOkMs: this.lastRenewOkMs,
      revoked: this.revoked,
      standing,
      minoritySinceMs: this.minoritySinceMs,
      holding: this.holding,
      renewedSinceHold: this.renewedSinceHold,
    });
    this.act(verdict, nowMs);
    return verdict;
  }

  private act(verdict: LeaseVerdict, nowMs: number): void {
    const ageMs = (nowMs - this.lastRenewOkMs).toFixed(0);
    if (verdict === "hold" && !this.holding) {
      this.holding = true;
      this.renewedSinceHold = false;
      const held = this.options.guests.hold();
      this.options.log(
        `HA: lease unconfirmed for ${ageMs} ms: holding (paused) ${held.join(", ") || "none"}`,
      );
    } else if (verdict === "run" && this.holding) {
      this.holding = false;
      const released = this.options.guests.release();
      this.options.log(`HA: lease confirmed: released ${released.join(", ") || "none"}`);
    } else if (verdict === "fence") {
      const fenced = this.options.guests.fence(this.declaredDead ? "every guest" : "protected");
      this.fenceCount++;
      const why = !this.revoked
        ? `lease lapsed ${ageMs} ms ago outside the majority`
        : this.declaredDead
          ? "lease revoked: the host was declared dead, its guests halted"
          : "lease revoked";
      this.options.log(`HA: fencing (${why}): destroyed ${fenced.join(", ") || "none"}`);
      this.rejoin(nowMs);
    }
  }

  /** After fencing, as a rebooted XAPI host: a new lease, nothing protected left to run. */
  private rejoin(nowMs: number): void {
    this.holding = false;
    this.revoked = false;
    this.declaredDead = false;
    this.revision = undefined;
    this.lastRenewOkMs = nowMs;
    this.minoritySinceMs = undefined;
    this.epoch = `${this.options.epoch}.${this.fenceCount}`;
  }

  /** Runs a round now; the next one follows roundIntervalMs() later (sooner if it shrinks meanwhile). */
  private readonly runRound = (): void => {
    if (this.stopped) return;
    this.roundTimer.cancel();
    const nowMs = this.options.clock.nowMs();
    this.roundStartedMs = nowMs;
    this.armRound(nowMs + this.roundIntervalMs());
    const statefileRound = this.statefileRound();
    // With HA off no ping round (pingRound would return at once): no Promise.all for nothing.
    const round = this.config.enabled ? Promise.all([statefileRound, this.pingRound()]) : statefileRound;
    round.catch(this.onRoundFailed);
  };

  private readonly onRoundFailed = (error: unknown): void =>
    this.options.log(`HA lease round failed: ${String(error)}`);

  private armRound(dueMs: number): void {
    this.roundTimer.arm(Math.max(0, dueMs - this.options.clock.nowMs()));
    this.nextRoundDueMs = dueMs;
  }

  /**
   * A renew interval with HA on; with HA off, once the setting was read and while the statefile
   * answers, HA_OFF_ROUND_RENEW_INTERVAL_COUNT of them (a first read or a failing store retries
   * every renew interval, as with HA on).
   */
  private roundIntervalMs(): number {
    const slow = this.configRead && !this.failing && !this.config.enabled && !this.holding;
    return this.timing.renewIntervalMs * (slow ? HA_OFF_ROUND_RENEW_INTERVAL_COUNT : 1);
  }

  /** Brings the next round forward when the interval shrank (HA on, a shorter T, the store failing). */
  private hastenRound(): void {
    if (this.stopped || this.nextRoundDueMs === undefined) return;
    const dueMs = this.roundStartedMs + this.roundIntervalMs();
    if (dueMs >= this.nextRoundDueMs) return;
    this.armRound(dueMs);
  }

  /** The watch pushed the setting: a change is acted on at once by a round (which reads it afresh). */
  private onSettingPushed(value: string | undefined): void {
    if (this.stopped) return;
    this.settingPushCount++;
    const config = parseHaConfig(value);
    if (config.enabled === this.config.enabled && config.timeoutMs === this.config.timeoutMs) return;
    if (this.roundRunning) this.roundAgain = true;
    else this.runRound();
  }

  /**
   * The network channel: one ping in flight per peer, answered within a renew interval. Only with
   * HA on (docs/specs/ha.md §3): with HA off nothing reads what the pings find, and N hosts pinging
   * each other cost N² messages per renew interval.
   */
  private async pingRound(): Promise<void> {
    if (!this.config.enabled) return;
    const pings: Promise<void>[] = [];
    for (const [hostId, address] of this.addresses) {
      if (this.pinging.has(hostId)) continue;
      this.pinging.add(hostId);
      pings.push(
        this.options
          .ping(address, this.timing.renewIntervalMs)
          .then((reaches) => {
            if (!reaches) return;
            this.view.onPong(hostId, reaches, this.options.clock.nowMs());
            this.renewIfArmed();
          })
          .finally(() => this.pinging.delete(hostId)),
      );
    }
    await Promise.all(pings);
    this.guard();
  }

  /** The statefile: read the setting and the leases, then renew ours (one round at a time). */
  private async statefileRound(): Promise<void> {
    if (this.roundRunning) return;
    this.roundRunning = true;
    try {
      // HA off and nothing to read but the setting, which the watch vouches for: nothing to read.
      // The await stays (readStatefile's would take as long): a round takes the steps it always did.
      if (this.settingVouched()) await SETTLED;
      else await this.readStatefile();
      await this.renew();
      if (this.failing) this.options.log("HA: statefile reachable again");
      this.failing = false;
      this.wakeFirstReadWaiters();
    } catch (error) {
      if (!this.failing) this.options.log(`HA: statefile unreachable: ${String(error)}`);
      this.failing = true;
    } finally {
      this.roundRunning = false;
      this.guard();
      this.hastenRound();
      if (this.roundAgain) {
        this.roundAgain = false;
        this.runRound();
      }
    }
  }

  private async readStatefile(): Promise<void> {
    const statefile = this.options.statefile;
    const wasEnabled = this.config.enabled;
    const continuity = statefile.watchContinuity?.(HA_CONFIG_KEY);
    const pushCount = this.settingPushCount;
    this.settingReadMark = undefined;
    const readBefore = this.configRead;
    this.setConfig(parseHaConfig((await statefile.read(HA_CONFIG_KEY))?.value));
    if (continuity !== undefined) this.settingReadMark = { continuity, pushCount };
    // HA off: the peers' leases matter to nobody here; our own is read when a renewal fails.
    if (!this.config.enabled) return;
    await this.readLeases();
    // HA just came on: find the peers now rather than a renew interval later. Switched on while
    // this host ran (an ha-enable, which waits for every host's renewal): arm (see `arming`).
    if (wasEnabled) return;
    if (readBefore) {
      this.arming = true;
      this.armingPingRounds().catch((error: unknown) =>
        this.options.log(`HA ping round failed: ${String(error)}`),
      );
    } else
      this.pingRound().catch((error: unknown) => this.options.log(`HA ping round failed: ${String(error)}`));
  }

  /**
   * Ping rounds one after the other while arming (at most ARMING_PING_ROUND_COUNT_MAX): a peer
   * counts once the link is known both ways (PeerView.sees), which takes its answer to a ping sent
   * after it had our answer to its own: a second round, when every host starts pinging at once.
   */
  private async armingPingRounds(): Promise<void> {
    for (let round = 0; round < ARMING_PING_ROUND_COUNT_MAX; round++) {
      if (!this.arming || this.stopped || !this.config.enabled) return;
      await this.pingRound();
    }
  }

  /**
   * Whether a round with HA off may skip reading the setting (docs/specs/ha.md §3): it was read,
   * the store answers, no hold or revoked lease, nothing pushed since that read, and the watch
   * vouches that it pushed every change since (its continuity unmoved: not opened again, no lost
   * connection, no push that may have been dropped). A change is then pushed, and its push starts
   * a round that reads it.
   */
  private settingVouched(): boolean {
    const mark = this.settingReadMark;
    if (mark === undefined || this.config.enabled || this.failing || this.holding || this.revoked)
      return false;
    return (
      mark.pushCount === this.settingPushCount &&
      mark.continuity === this.options.statefile.watchContinuity?.(HA_CONFIG_KEY)
    );
  }

  private async readLeases(): Promise<void> {
    const statefile = this.options.statefile;
    const entries = await statefile.readAll(LEASE_KEY_PREFIX);
    const nowMs = this.options.clock.nowMs();
    for (const [key, entry] of entries) {
      const lease = parseLease(entry.value);
      if (!lease) continue;
      const hostId = key.slice(LEASE_KEY_PREFIX.length);
      if (hostId === this.options.hostId) {
        this.noteOwnLease(lease, entry.revision);
        continue;
      }
      if (lease.address) this.addresses.set(hostId, lease.address);
      this.view.onLease(hostId, entry.revision, lease.state === "revoked", nowMs);
    }
    for (const hostId of this.view.knownPeers()) if (!entries.has(leaseKey(hostId))) this.view.forget(hostId);
    if (!entries.has(this.ownLeaseKey)) this.revision = undefined;
  }

  private async readOwnLease(): Promise<void> {
    const entry = await this.options.statefile.read(this.ownLeaseKey);
    const lease = entry && parseLease(entry.value);
    if (entry && lease) this.noteOwnLease(lease, entry.revision);
  }

  private noteOwnLease(lease: LeaseValue, revision: number): void {
    if (lease.epoch !== this.epoch) return;
    if (lease.state === "revoked" && lease.declaredDead === true && !this.declaredDead) {
      // The administrator declared this host dead while it ran (docs/specs/ha.md §7).
      this.revoked = true;
      this.declaredDead = true;
      this.options.log(
        `HA: our lease was revoked by ${lease.revokedBy ?? "the scheduler"}: this host was declared dead`,
      );
      this.options.onGuarding?.();
    } else if (lease.state === "revoked" && !this.revoked) {
      this.revoked = true;
      this.options.log(`HA: our lease was revoked by ${lease.revokedBy ?? "the scheduler"}`);
      this.options.onGuarding?.();
    } else if (lease.state === "live" && this.revision === undefined) {
      this.revision = revision;
    }
  }

  private async renew(): Promise<void> {
    const sentMs = this.options.clock.nowMs();
    // With HA off nothing is fenced or revoked: renew regardless (every few rounds), so that
    // ha-enable finds it live.
    if (this.revoked || (this.config.enabled && !mayRenew(this.view.standing(sentMs)))) return;
    // Holding with HA off, the leases were not read this round: a lease we hold no revision of may
    // be revoked (a failed read after a failed renewal); read it before writing over it.
    if (this.holding && this.revision === undefined && !this.config.enabled) {
      await this.readOwnLease();
      if (this.revoked) return;
    }
    const text = this.leaseText(this.options.address(), this.view.sees(sentMs));
    const key = this.ownLeaseKey;
    const revision =
      this.revision === undefined
        ? await this.options.statefile.put(key, text)
        : await this.options.statefile.update(key, text, this.revision);
    if (revision === undefined) {
      // Someone else wrote our lease: the next read says whether it was a revocation.
      this.revision = undefined;
      if (this.config.enabled) await this.readLeases();
      else await this.readOwnLease();
      return;
    }
    // Only a compare-and-set at our revision proves the lease was live (a put proves nothing).
    if (this.revision !== undefined) this.renewedSinceHold = true;
    this.revision = revision;
    this.lastRenewOkMs = sentMs;
    if (this.config.enabled) this.arming = false;
  }

  /** A peer answered while HA is arming: a round now if the answers let us renew (see `arming`). */
  private renewIfArmed(): void {
    if (!this.arming || this.stopped || !this.config.enabled) return;
    if (!mayRenew(this.view.standing(this.options.clock.nowMs()))) return;
    this.arming = false;
    if (this.roundRunning) this.roundAgain = true;
    else this.runRound();
  }

  /**
   * Our live lease's text: the last one again while its address, epoch and peers seen are the same
   * (an idle host renews the same text every round; JSON.stringify of it is most of a renewal's
   * garbage).
   */
  private leaseText(address: string, sees: string[]): string {
    const last = this.lastLease;
    if (
      last !== undefined &&
      last.address === address &&
      last.epoch === this.epoch &&
      last.ha === this.config.enabled &&
      sameHostIds(last.sees, sees)
    )
      return last.text;
    const value: LeaseValue = {
      hostId: this.options.hostId,
      address,
      epoch: this.epoch,
      state: "live",
      sees,
      // We run with HA on: the scheduler may revoke this lease (docs/specs/ha.md §5).
      ...(this.config.enabled ? { ha: true as const } : {}),
    };
    const text = JSON.stringify(value);
    this.lastLease = { address, epoch: this.epoch, sees, ha: this.config.enabled, text };
    return text;
  }

  private setConfig(config: HaConfig): void {
    this.configRead = true;
    if (config.enabled !== this.config.enabled || config.timeoutMs !== this.config.timeoutMs) {
      this.options.log(`HA: ${config.enabled ? `enabled, T = ${config.timeoutMs} ms` : "disabled"}`);
      // A new regime starts afresh on both sides (the scheduler forgets its observations too).
      this.lastRenewOkMs = this.options.clock.nowMs();
      this.minoritySinceMs = undefined;
    }
    this.config = config;
    if (config.enabled) this.options.onGuarding?.();
    this.timing = leaseTiming(config.timeoutMs);
    this.view.setWindows(this.timing.peerSeenWindowMs, this.timing.timeoutMs);
    this.hastenRound();
  }
}
