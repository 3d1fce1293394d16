import type { Clock } from "../core/clock.js";
import type { Prng } from "../core/prng.js";
import type { Bus, BusSubscription } from "../contracts/bus.js";
import { decodeJson } from "../contracts/bus.js";
import { ALL_DOMAIN_EVENTS, ALL_HEARTBEATS } from "../contracts/subjects.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { ToolstackError } from "../dom0/errors.js";
import { ClusterView, type HostEntry } from "./cluster-view.js";
import type { StateStore } from "./state-store.js";
import type { HostGateway } from "./host-gateway.js";
import { HaRecords } from "./ha-records.js";

/** How often the scheduler checks for hosts whose heartbeats stopped. */
export const EXPIRE_CHECK_INTERVAL_MS = 250;
/** Delay before re-reading a host's domains after an event (events come in bursts). */
export const SYNC_DEBOUNCE_MS = 30;

export interface SchedulerOptions {
  clock: Clock;
  prng: Prng;
  bus: Bus;
  store: StateStore;
  gateway: HostGateway;
  missedHeartbeatCountMax?: number;
  log?: (line: string) => void;
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
  readonly disabledHosts = new Set<string>();
  /** Hosts this process is evacuating now (the durable record is the store's op key). */
  readonly evacuationsRunning = new Set<string>();
  private readonly subscriptions: BusSubscription[] = [];
  private readonly syncTimers = new Map<string, () => void>();
  private readonly hostDownListeners: HostDownListener[] = [];
  private cancelExpire: (() => void) | undefined;
  private stopped = false;

  constructor(readonly options: SchedulerOptions) {
    this.view = new ClusterView(options.missedHeartbeatCountMax);
    this.ha = new HaRecords(options.store);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  async start(): Promise<void> {
    for (const key of await this.options.store.keys("host.")) {
      if ((await this.options.store.get(key)) === "disabled")
        this.disabledHosts.add(key.slice("host.".length));
    }
    this.subscriptions.push(
      this.options.bus.subscribe(ALL_HEARTBEATS, (_, data) => this.onHeartbeat(decodeJson<Heartbeat>(data))),
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

  async setHostEnabled(hostId: string, enabled: boolean): Promise<void> {
    if (enabled) {
      this.disabledHosts.delete(hostId);
      await this.options.store.delete(`host.${hostId}`);
    } else {
      this.disabledHosts.add(hostId);
      await this.options.store.put(`host.${hostId}`, "disabled");
    }
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

  /** Re-reads a host's domains now (and the HA records that depend on them). */
  async syncHost(host: HostEntry): Promise<void> {
    try {
      const domains = await this.options.gateway.list(host.address);
      this.view.syncDomains(host.hostId, domains);
      await this.ha.noteHost(host.hostId, domains);
    } catch (error) {
      this.log(`sync of ${host.hostId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private onHeartbeat(beat: Heartbeat): void {
    if (this.stopped) return;
    const seen = this.view.onHeartbeat(beat, this.clock.nowMs());
    if (seen === "new") {
      this.log(`host ${beat.hostId} is up at ${beat.address}`);
      this.scheduleSync(beat.hostId, 0);
    }
  }

  private onDomainEvent(event: DomainEvent): void {
    if (this.stopped) return;
    this.view.onDomainEvent(event);
    if (event.event === "destroyed") void this.ha.forgetIfOn(event.uuid, event.hostId, event.domid);
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
    this.cancelExpire = this.clock.setTimer(EXPIRE_CHECK_INTERVAL_MS, () => {
      if (this.stopped) return;
      for (const host of this.view.expire(this.clock.nowMs())) {
        this.log(
          `host ${host.hostId} is down (no heartbeat for ${(this.clock.nowMs() - host.lastSeenMs).toFixed(0)} ms)`,
        );
        for (const listener of this.hostDownListeners) listener(host);
      }
      this.scheduleExpire();
    });
  }
}
