import type { Clock } from "../core/clock.js";
import type { Prng } from "../core/prng.js";
import type { Bus, BusSubscription, SubjectMemo } from "../contracts/bus.js";
import { decodeJson, subscribeJson } from "../contracts/bus.js";
import { ALL_DOMAIN_EVENTS, ALL_HEARTBEATS } from "../contracts/subjects.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { ToolstackError } from "../dom0/errors.js";
import { ClusterView, type HostEntry, type HostEntrySlot } from "./cluster-view.js";
import type { StateStore } from "../contracts/state-store.js";
import type { HostGateway } from "./host-gateway.js";
import { HaRecords } from "./ha-records.js";
import { MigrationSlots } from "./migration-slots.js";
import { HeartbeatCheck } from "./heartbeat-check.js";
import { UnansweredHosts } from "./unanswered-hosts.js";
import { DisabledHosts } from "./disabled-hosts.js";
import type { BusHealth } from "../contracts/bus-health.js";
import { BrokerLink } from "./broker-link.js";

/** PRNG stream of the uuids the scheduler gives the guests it creates (placement keeps its own draws). */
export const UUID_PRNG_STREAM = 0x757569;
/** How often the scheduler checks for hosts whose heartbeats stopped. */
export const EXPIRE_CHECK_INTERVAL_MS = 250;
/**
 * An expiry check this late (ms) means the scheduler itself slept (a blocked event loop, a loaded
 * machine, SIGSTOP): its hosts' heartbeats wait unread behind the timer, so silence is not counted
 * across the sleep; the check runs again an interval later, once they are read (as a host counts
 * only awake time, docs/specs/ha.md §4 rule 6).
 */
export const EXPIRE_CHECK_LATE_MS_MAX = 2 * EXPIRE_CHECK_INTERVAL_MS;
/** Delay before re-reading a host's domains after an event (events come in bursts). */
export const SYNC_DEBOUNCE_MS = 30;
/** At most one log line per heartbeat subject per this interval for rejected heartbeats. */
export const REJECTION_LOG_INTERVAL_MS = 10_000;

export interface SchedulerOptions {
  clock: Clock;
  prng: Prng;
  bus: Bus;
  store: StateStore;
  gateway: HostGateway;
  missedHeartbeatCountMax?: number;
  log?: (line: string) => void;
  /** Whether `bus` reaches the broker (broker-outage.ts words refusals by it); none: never said. */
  busHealth?: BusHealth;
  /** The time of day in ms since the epoch, only to show when the broker was lost; none: not shown. */
  wallTimeMs?: () => number;
}

export type HostDownListener = (host: HostEntry) => void;

/**
 * The cluster's toolstack core: keeps the view current from the bus, re-reads hosts' domain lists,
 * remembers the HA domains' configs in the durable store, and tells listeners when a host dies.
 * The operations (placement, migrate, evacuate, rebalance, HA restarts) live beside it.
 */
export class Scheduler {
  readonly view: ClusterView;
  readonly ha: HaRecords;
  /** Hosts that take no new guests (`host.<id>` in the store, re-read at every reconcile). */
  readonly disabledHosts: DisabledHosts;
  /** Whether this process reaches the broker, and since when it does not (broker-outage.ts). */
  readonly brokerLink: BrokerLink;
  /** Hosts this process is evacuating now (the durable record is the store's op key). */
  readonly evacuationsRunning = new Set<string>();
  /** Migrations this scheduler runs per source host, and those waiting for one. */
  readonly migrationSlots = new MigrationSlots();
  /**
   * The migrations this scheduler runs now, as `<uuid>@<source host id>`, from the HA trace on: a
   * second one of a guest from the same source (which the source refuses anyway) is refused before
   * it writes its trace over the first's (docs/specs/ha.md §5, VOPR seed 124).
   */
  readonly migrationsRunning = new Set<string>();
  /** The uuids of guests this scheduler creates (a claim then knows its guest's "created" event). */
  readonly uuidPrng: Prng;
  /** Each host's live lease epoch as HaMonitor last read it (docs/specs/ha.md §5). */
  readonly hostEpochs = new Map<string, string>();
  /**
   * Whether HA is enabled, as HaMonitor last read it; undefined until it has read it once (a
   * scheduler started during a broker outage). The reconcile's drop of an HA record no longer
   * depends on it (the lease epochs decide, HA on or off: docs/specs/ha.md §4 rule 1).
   */
  haEnabled: boolean | undefined = undefined;
  /** HA records the reconcile found without their guest, by uuid: under which lease epoch, since when. */
  readonly staleHaRecords = new Map<string, { epoch: string; sinceMs: number }>();
  /** When the reconcile last listed every up host, changed or not (reconcile.ts). */
  lastReconcileSweepMs: number | undefined = undefined;
  /** Whether this process is the active scheduler (holds the leader lease); true without a lease. */
  isActive: () => boolean = () => true;
  /** Where the active scheduler listens, when this one is a standby and knows. */
  activeAddress: () => string | undefined = () => undefined;
  private readonly subscriptions: BusSubscription[] = [];
  private readonly syncTimers = new Map<string, () => void>();
  private readonly hostDownListeners: HostDownListener[] = [];
  private cancelExpire: (() => void) | undefined;
  private readonly unanswered = new UnansweredHosts();
  /** When each subject's last rejected heartbeat was logged (one line per subject per interval). */
  private readonly rejectionLoggedMs = new Map<string, number>();
  /** heartbeat-check.ts's heartbeatRejection, remembering what each host's last believed heartbeat passed. */
  private readonly heartbeatCheck = new HeartbeatCheck();
  private stopped = false;

  constructor(readonly options: SchedulerOptions) {
    this.view = new ClusterView(options.missedHeartbeatCountMax);
    this.ha = new HaRecords(options.store);
    this.disabledHosts = new DisabledHosts(options.store);
    this.brokerLink = new BrokerLink(options.busHealth, options.wallTimeMs, (line) => this.log(line));
    this.uuidPrng = options.prng.fork(UUID_PRNG_STREAM);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  /**
   * Runs a task nobody awaits (a timer's, an event's): its failure is logged, never thrown. A
   * broker outage of any length makes store calls fail for a while; they are retried by the next
   * round (reconcile, expiry), never left to crash the process.
   */
  background(what: string, work: () => Promise<unknown>): void {
    Promise.resolve()
      .then(work)
      .catch((error: unknown) =>
        this.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }

  /** Reads the disabled hosts from the store (at start and on every reconcile): enables follow too. */
  loadDisabledHosts(): Promise<void> {
    return this.disabledHosts.load();
  }

  async start(): Promise<void> {
    await this.loadDisabledHosts().catch((error: unknown) =>
      this.log(`reading disabled hosts failed (retried by the reconcile): ${String(error)}`),
    );
    this.subscriptions.push(
      subscribeJson(this.options.bus, ALL_HEARTBEATS, (subject, payload, frozen, memo) =>
        this.onHeartbeatMessage(subject, payload, frozen === true, memo),
      ),
      this.options.bus.subscribe(ALL_DOMAIN_EVENTS, (_, data) =>
        this.onDomainEvent(decodeJson<DomainEvent>(data)),
      ),
    );
    await this.options.bus.flush();
    this.scheduleExpire();
  }

  stop(): void {
    this.stopped = true;
    this.cancelExpire?.();
    for (const cancel of this.syncTimers.values()) cancel();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  onHostDown(listener: HostDownListener): void {
    this.hostDownListeners.push(listener);
  }

  /**
   * Disabling takes effect here at once (no placement lands on the host while the store is
   * written) and is undone if the write fails; enabling waits for the store. A write that fails
   * (broker down) changes nothing, as the user is told: a host left disabled in this process only
   * took no guest, HA restarts included, until the scheduler's restart forgot it (VOPR seed 6).
   */
  setHostEnabled(hostId: string, enabled: boolean): Promise<void> {
    return this.disabledHosts.set(hostId, enabled);
  }

  /** Changes go through the active scheduler only: a standby refuses them, naming the active one. */
  requireActive(): void {
    if (this.isActive()) return;
    const active = this.activeAddress();
    throw new ToolstackError(
      "UNAVAILABLE",
      `this scheduler is a standby${active ? `; the active one listens at ${active}` : " and no active one is known yet"}: try again there`,
    );
  }

  requireHost(hostId: string): HostEntry {
    const host = this.view.hosts.get(hostId);
    if (!host)
      throw new ToolstackError(
        "NOT_FOUND",
        `no host "${hostId}" (known: ${[...this.view.hosts.keys()].join(", ") || "none"})`,
      );
    return host;
  }

  /** Re-reads a host's domains now (and the HA records that depend on them): whether it could. */
  async syncHost(host: HostEntry): Promise<boolean> {
    const version = host.reported.listVersion;
    let listing;
    try {
      listing = await this.options.gateway.list(host.address);
    } catch (error) {
      this.log(`sync of ${host.hostId} failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    const leaseEpoch = listing.leaseEpoch || undefined;
    this.view.syncDomains(host.hostId, listing.domains, leaseEpoch);
    this.unanswered.noteAnswered(host.hostId);
    try {
      // Each protected guest's record carries the epoch its host listed it under (ha.md §5).
      await this.ha.noteHost(host.hostId, listing.domains, leaseEpoch);
      if (this.view.hosts.get(host.hostId) === host) host.listedVersion = version;
    } catch (error) {
      this.log(`recording HA domains of ${host.hostId} failed: ${String(error)}`);
    }
    return true;
  }

  /** A heartbeat is believed only if it passes heartbeat-check.ts; a rejected one is dropped and logged. */
  private onHeartbeatMessage(
    subject: string,
    payload: unknown,
    frozen: boolean,
    memo: SubjectMemo | undefined,
  ): void {
    const rejection = this.heartbeatCheck.rejection(subject, payload, frozen, memo);
    if (rejection === undefined)
      return this.onHeartbeat(payload as Heartbeat, this.heartbeatCheck.lastViewSlot);
    const nowMs = this.clock.nowMs();
    if (nowMs - (this.rejectionLoggedMs.get(subject) ?? -Infinity) < REJECTION_LOG_INTERVAL_MS) return;
    this.rejectionLoggedMs.set(subject, nowMs);
    this.log(`dropped a heartbeat on ${subject}: ${rejection}`);
  }

  private onHeartbeat(beat: Heartbeat, slot: HostEntrySlot | undefined): void {
    if (this.stopped) return;
    const seen = this.view.onHeartbeat(beat, this.clock.nowMs(), slot);
    if (seen === "new") {
      this.unanswered.noteAppeared(beat.hostId, this.clock.nowMs());
      this.log(`host ${beat.hostId} is up at ${beat.address}`);
      this.scheduleSync(beat.hostId, 0);
    }
  }

  private onDomainEvent(event: DomainEvent): void {
    if (this.stopped) return;
    this.view.onDomainEvent(event);
    if (event.event === "destroyed")
      this.background(`forgetting the HA record of ${event.uuid}`, () =>
        this.ha.forgetIfOn(event.uuid, event.hostId, event.domid),
      );
    this.scheduleSync(event.hostId, SYNC_DEBOUNCE_MS);
  }

  private scheduleSync(hostId: string, delayMs: number): void {
    if (this.syncTimers.has(hostId)) return;
    const cancel = this.clock.setTimer(delayMs, () => {
      this.syncTimers.delete(hostId);
      const host = this.view.hosts.get(hostId);
      if (host && host.liveness === "up") void this.syncHost(host);
    });
    this.syncTimers.set(hostId, cancel);
  }

  private scheduleExpire(): void {
    const dueMs = this.clock.nowMs() + EXPIRE_CHECK_INTERVAL_MS;
    this.cancelExpire = this.clock.setTimer(EXPIRE_CHECK_INTERVAL_MS, () => {
      if (this.stopped) return;
      this.brokerLink.sample(this.clock.nowMs());
      const lateMs = this.clock.nowMs() - dueMs;
      if (lateMs > EXPIRE_CHECK_LATE_MS_MAX) {
        this.log(`slept ${lateMs.toFixed(0)} ms: no host is declared down before its heartbeats are read`);
        this.scheduleExpire();
        return;
      }
      for (const host of this.view.expire(this.clock.nowMs())) {
        const silentMs = (this.clock.nowMs() - host.lastSeenMs).toFixed(0);
        // Still declared down (placement must not pick a silent host), but not blamed: broker-outage.ts.
        const why = this.brokerLink.isDown ? "; the broker is unreachable from here: it may still run" : "";
        this.log(`host ${host.hostId} is down (no heartbeat for ${silentMs} ms${why})`);
        for (const listener of this.hostDownListeners) {
          try {
            listener(host);
          } catch (error) {
            this.log(`host-down handling of ${host.hostId} failed: ${String(error)}`);
          }
        }
      }
      for (const hostId of this.unanswered.drop(this.view, this.clock.nowMs()))
        this.log(`host ${hostId} never answered: dropped from the view`);
      this.scheduleExpire();
    });
  }
}
