import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "../dom0/toolstack.js";
import { MigrationManager } from "../dom0/migrate/migration-manager.js";
import { IncomingMigration } from "../dom0/migrate/incoming.js";
import { migrateOut, type OutboundContext } from "../dom0/migrate/outbound.js";
import type { PrepareInfo } from "../dom0/migrate/peer.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import { configFromJson } from "../dom0/xlcfg/config-json.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { ToolstackError } from "../dom0/errors.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import type { HostGateway } from "../scheduler/host-gateway.js";
import type { MigrateRequest } from "../gen/xensim/v1/migration.js";
import { buildHeartbeat } from "../host/heartbeat.js";
import { Fence } from "../host/fence.js";
import { encodeJson, type Bus } from "../contracts/bus.js";
import { domainEventSubject, heartbeatSubject } from "../contracts/subjects.js";
import { domainInfo } from "../transport/grpc/domain-info.js";
import type { SimNetwork } from "./network.js";
import type { SimProcess } from "./process.js";
import type { SimBroker } from "./sim-bus.js";
import { LinkedDestinationPeer } from "./linked-peer.js";

/** How often a host with busy guests runs them (host-service.ts's TICK_INTERVAL_MS). */
export const SIM_TICK_MS = 10;
/** Incoming migrations remembered for IncomingStatus after they end. */
const INCOMING_REMEMBERED_COUNT_MAX = 256;

export interface SimHostOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  heartbeatIntervalMs: number;
  /** Fence after this long without hearing its own heartbeat back; 0 = never. */
  fenceTimeoutMs: number;
  /** The other hosts, by address (the migration peer's destination). */
  hostAt(address: string): SimHost | undefined;
  onDomainEvent?(event: DomainEvent): void;
  log?(line: string): void;
}

/**
 * One physical host of the one-process cluster: the real toolstack, migration book and both ends
 * of a migration, its heartbeats and self-fencing, all on its process's clock and bus connection.
 * (A temporary adapter until the transport-free Host class lands; it wires the same parts.)
 */
export class SimHost {
  readonly toolstack: Toolstack;
  readonly migrations = new MigrationManager();
  readonly incoming = new Map<string, IncomingMigration>();
  readonly bus: Bus;
  readonly fence: Fence | undefined;
  private readonly prng: Prng;
  private heartbeatSequence = 0;
  private cancelTick: (() => void) | undefined;
  private tickDueMs = Number.POSITIVE_INFINITY;

  constructor(
    readonly network: SimNetwork,
    broker: SimBroker,
    readonly process: SimProcess,
    readonly options: SimHostOptions,
  ) {
    this.prng = new Prng(options.seed).fork(process.generation);
    this.toolstack = new Toolstack(options.spec, options.dom0, process.clock, this.prng.fork(1));
    this.toolstack.isMigrating = (domid) => this.migrations.isMigrating(domid);
    this.bus = broker.connect(process.processId);
    this.toolstack.events = {
      domainEvent: (event) => {
        this.bus.publish(domainEventSubject(event.hostId, event.event), encodeJson(event));
        options.onDomainEvent?.(event);
        this.scheduleTick();
      },
    };
    if (options.fenceTimeoutMs > 0)
      this.fence = new Fence(this.toolstack, this.bus, options.fenceTimeoutMs, (line) =>
        options.log?.(`${this.hostId}: ${line}`),
      );
  }

  get hostId(): string {
    return this.options.spec.hostId;
  }

  get address(): string {
    return `sim://${this.hostId}`;
  }

  start(): void {
    const clock = this.process.clock;
    const beat = () => {
      this.publishHeartbeat();
      this.scheduleTick();
      clock.setTimer(this.options.heartbeatIntervalMs, beat);
    };
    beat();
    if (this.fence) {
      const periodMs = Math.max(50, this.options.heartbeatIntervalMs / 4);
      const check = () => {
        this.fence?.check();
        clock.setTimer(periodMs, check);
      };
      clock.setTimer(periodMs, check);
    }
  }

  publishHeartbeat(): void {
    const beat = buildHeartbeat(
      this.toolstack,
      this.address,
      this.heartbeatSequence++,
      this.options.heartbeatIntervalMs,
      { outbound: this.migrations.outboundCount, inbound: this.migrations.inboundCount },
      Math.round(this.process.clock.nowMs()),
    );
    const stamped = { ...beat, timeMs: Math.round(this.process.clock.nowMs()) };
    this.bus.publish(heartbeatSubject(this.hostId), encodeJson(stamped));
  }

  /** Whether any guest wants the CPU or writes memory (otherwise nothing needs a tick). */
  get isBusy(): boolean {
    if (this.migrations.outboundCount > 0 || this.migrations.inboundCount > 0) return true;
    for (const domain of this.toolstack.hypervisor.domains()) {
      if (domain.domid === 0 || domain.paused || domain.isShutdown) continue;
      if (domain.workload.spec.kind !== "idle" || domain.cpuDemand.kind !== "idle") return true;
    }
    return false;
  }

  /** Runs the guests every SIM_TICK_MS while any is busy, else once per heartbeat. */
  private scheduleTick(): void {
    const clock = this.process.clock;
    const dueMs = clock.nowMs() + (this.isBusy ? SIM_TICK_MS : this.options.heartbeatIntervalMs);
    if (dueMs >= this.tickDueMs) return;
    this.cancelTick?.();
    this.tickDueMs = dueMs;
    this.cancelTick = clock.setTimer(dueMs - clock.nowMs(), () => {
      this.tickDueMs = Number.POSITIVE_INFINITY;
      this.toolstack.hypervisor.tick();
      if (this.isBusy) this.scheduleTick();
    });
  }

  list(): DomainInfo[] {
    return [...this.toolstack.records.values()]
      .sort((a, b) => a.domid - b.domid)
      .map((record) => domainInfo(this.toolstack, record));
  }

  create(request: Parameters<HostGateway["create"]>[1]): DomainInfo {
    const config = request.configJson
      ? configFromJson(request.configJson)
      : loadDomainConfig(
          request.configText,
          request.configFileName || "<config>",
          request.overrides,
          this.toolstack.prng,
        );
    const record = this.toolstack.create(config, { paused: request.paused });
    return domainInfo(this.toolstack, record);
  }

  destroy(ref: string): void {
    this.toolstack.destroy(ref);
  }

  newToken(): string {
    return [0, 1, 2, 3].map(() => this.prng.nextU32().toString(16).padStart(8, "0")).join("");
  }

  /** The destination's Prepare: one incoming migration, remembered for IncomingStatus. */
  prepareIncoming(info: PrepareInfo): IncomingMigration {
    const incoming = new IncomingMigration(this.toolstack, this.migrations, this.process.clock, info);
    this.incoming.set(info.migrationId, incoming);
    while (this.incoming.size > INCOMING_REMEMBERED_COUNT_MAX)
      this.incoming.delete(this.incoming.keys().next().value!);
    return incoming;
  }

  /** The source's Migrate: the libxl loop against a destination reached over the links. */
  migrate(
    request: MigrateRequest,
    onProgress: (stats: MigrationStatsView) => void,
  ): Promise<MigrationStatsView> {
    const destination = this.options.hostAt(request.destination);
    if (!destination)
      return Promise.reject(new ToolstackError("UNAVAILABLE", `no host answers at ${request.destination}`));
    const clock = this.process.clock;
    const ctx: OutboundContext = {
      toolstack: this.toolstack,
      manager: this.migrations,
      clock,
      scheduler: {
        sleepMs: (delayMs) => new Promise((resolve) => clock.setTimer(delayMs, resolve)),
        yield: () => Promise.resolve(),
      },
      selfAddress: this.address,
      newId: () => `${this.hostId}-${this.newToken().slice(0, 12)}`,
      newToken: () => this.newToken(),
      onProgress,
    };
    this.scheduleTick();
    return migrateOut(
      ctx,
      {
        domain: request.domain,
        destination: request.destination,
        policy: request.policy,
        live: request.live,
        bandwidth: request.bandwidth,
        downtimeLimitMs: request.downtimeLimitMs,
        autoConverge: request.autoConverge,
        pausedAtDestination: request.pausedAtDestination,
        corruptFirstPage: false,
        delayBeforeStopMs: 0,
        delayAfterPauseMs: 0,
      },
      new LinkedDestinationPeer(this.network, this, destination),
    );
  }
}
