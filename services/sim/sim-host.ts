import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import { Host } from "../host/host.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import { configFromJson } from "../dom0/xlcfg/config-json.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import type { MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { HostGateway } from "../scheduler/host-gateway.js";
import type { MemoryMigrationNetwork } from "../transport/memory/memory-links.js";
import { domainInfo } from "../transport/grpc/domain-info.js";
import type { SimProcess } from "./process.js";
import type { SimBroker } from "./sim-bus.js";

export interface SimHostOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  heartbeatIntervalMs: number;
  /** Fence after this long without hearing its own heartbeat back; 0 = never. */
  fenceTimeoutMs: number;
  onDomainEvent?(event: DomainEvent): void;
  log?(line: string): void;
}

/** The address of host `hostId` in the one-process cluster. */
export function simAddress(hostId: string): string {
  return `sim://${hostId}`;
}

/**
 * One physical host of the one-process cluster: the real transport-free `Host` (toolstack, both
 * ends of a migration, heartbeats, fencing, ticks) on its process's clock, its bus connection and
 * the in-memory migration links, plus the few Host-service verbs the scheduler and the user call.
 */
export class SimHost {
  readonly host: Host;

  constructor(
    broker: SimBroker,
    links: MemoryMigrationNetwork,
    readonly process: SimProcess,
    readonly options: SimHostOptions,
  ) {
    const clock = process.clock;
    const address = simAddress(options.spec.hostId);
    this.host = new Host({
      spec: options.spec,
      dom0: options.dom0,
      seed: options.seed,
      clock,
      engine: {
        sleepMs: (delayMs) => new Promise((resolve) => clock.setTimer(delayMs, resolve)),
        yield: () => Promise.resolve(),
      },
      bus: broker.connect(process.processId),
      links: links.links(address),
      address: () => address,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      fenceTimeoutMs: options.fenceTimeoutMs,
      log: (line) => options.log?.(line),
    });
    const published = this.host.toolstack.events;
    this.host.toolstack.events = {
      domainEvent: (event) => {
        published.domainEvent(event);
        options.onDomainEvent?.(event);
      },
    };
  }

  get hostId(): string {
    return this.options.spec.hostId;
  }

  get address(): string {
    return this.host.address;
  }

  get toolstack(): Host["toolstack"] {
    return this.host.toolstack;
  }

  get migrations(): Host["migrations"] {
    return this.host.migrations;
  }

  start(): void {
    this.host.start();
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

  /** The source's Migrate, as the gRPC service hands it to the Host. */
  migrate(
    request: MigrateRequest,
    onProgress: (stats: MigrationStatsView) => void,
  ): Promise<MigrationStatsView> {
    return this.host.migrate(
      {
        domain: request.domain,
        destination: request.destination,
        policy: request.policy,
        live: request.live,
        bandwidth: request.bandwidth,
        downtimeLimitMs: request.downtimeLimitMs,
        autoConverge: request.autoConverge,
        pausedAtDestination: request.pausedAtDestination,
      },
      onProgress,
    );
  }
}
