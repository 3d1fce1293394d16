import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import { Host } from "../host/host.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import { configFromJson } from "../dom0/xlcfg/config-json.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import type { DomainInfo, ListResponse } from "../gen/xensim/v1/host.js";
import type { MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { HostGateway } from "../scheduler/host-gateway.js";
import type { MemoryMigrationNetwork } from "../transport/memory/memory-links.js";
import { domainInfo } from "../transport/grpc/domain-info.js";
import type { PeerPinger } from "../host/lease-keeper.js";
import type { SimProcess } from "./process.js";
import type { SimBroker } from "./sim-bus.js";
import type { SimKv } from "./sim-kv.js";
import type { SimNetwork } from "./network.js";
import { simCall } from "./rpc.js";
import type { SharedSecondTicker } from "./shared-second.js";

export interface SimHostOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  heartbeatIntervalMs: number;
  onDomainEvent?(event: DomainEvent): void;
  log?(line: string): void;
}

/** What a host process is connected to in the one-process cluster. */
export interface SimHostWiring {
  network: SimNetwork;
  broker: SimBroker;
  /** The JetStream bucket: the state store (names) and the HA statefile (leases). */
  kv: SimKv;
  links: MemoryMigrationNetwork;
  /** The running host at an address, if any. */
  hostAt(address: string): SimHost | undefined;
  /** Where idle hosts' repeated seconds go (one timer for all); without it each host keeps its own. */
  sharedSecond?: SharedSecondTicker;
}

const SIM_ADDRESS_PREFIX = "sim://";

/** The address of host `hostId` in the one-process cluster. */
export function simAddress(hostId: string): string {
  return `${SIM_ADDRESS_PREFIX}${hostId}`;
}

/**
 * The HA network heartbeat (HaPeer.Ping, transport/grpc/ha-peer.ts's GrpcPeerPinger) as a call
 * across the simulated network to the peer's `Host.answerPeerPing`: no answer within the deadline
 * (a dead, stalled or cut-off peer) is `undefined`, as a gRPC deadline is.
 */
function simPinger(wiring: SimHostWiring, selfId: string): PeerPinger {
  return async (address, deadlineMs) => {
    const peerId = address.startsWith(SIM_ADDRESS_PREFIX) ? address.slice(SIM_ADDRESS_PREFIX.length) : "";
    if (!wiring.network.processes.has(peerId)) return undefined;
    try {
      return await simCall(
        wiring.network,
        selfId,
        peerId,
        () => {
          const peer = wiring.hostAt(address);
          if (!peer) throw new Error(`no host answers at ${address}`);
          return peer.host.answerPeerPing(selfId, simAddress(selfId));
        },
        { deadlineMs, what: "HaPeer.Ping" },
      );
    } catch {
      return undefined;
    }
  };
}

/**
 * One physical host of the one-process cluster: the real transport-free `Host` (toolstack, both
 * ends of a migration, heartbeats, HA's lease and peer pings, ticks) on its process's clock, its
 * bus connection, the bucket (names, leases) and the in-memory migration links, plus the few
 * Host-service verbs the scheduler and the user call, each guarded as host-service.ts guards them.
 */
export class SimHost {
  readonly host: Host;

  constructor(
    wiring: SimHostWiring,
    readonly process: SimProcess,
    readonly options: SimHostOptions,
  ) {
    const clock = process.clock;
    const hostId = options.spec.hostId;
    const address = simAddress(hostId);
    this.host = new Host({
      spec: options.spec,
      dom0: options.dom0,
      seed: options.seed,
      clock,
      engine: {
        sleepMs: (delayMs) => new Promise((resolve) => clock.setTimer(delayMs, resolve)),
        yield: () => Promise.resolve(),
      },
      bus: wiring.broker.connect(hostId),
      links: wiring.links.links(address),
      address: () => address,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      statefile: wiring.kv.statefile(hostId),
      ping: simPinger(wiring, hostId),
      store: wiring.kv.connect(hostId),
      log: (line) => options.log?.(line),
      ...(wiring.sharedSecond ? { sharedSecond: wiring.sharedSecond.port(process) } : {}),
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

  /** `xl list`, with the lease epoch the guests run under (transport/grpc/host-server.ts's List). */
  list(): ListResponse {
    this.host.guard();
    const domains = [...this.toolstack.records.values()]
      .sort((a, b) => a.domid - b.domid)
      .map((record) => domainInfo(this.toolstack, record));
    return { domains, leaseEpoch: this.host.leaseEpoch };
  }

  /** `xl create`, the name reserved in the cluster first (transport/grpc/host-server.ts's Create). */
  async create(request: Parameters<HostGateway["create"]>[1]): Promise<DomainInfo> {
    this.host.guard();
    const config = request.configJson
      ? configFromJson(request.configJson)
      : loadDomainConfig(
          request.configText,
          request.configFileName || "<config>",
          request.overrides,
          this.toolstack.prng,
        );
    const options = { paused: request.paused };
    await this.toolstack.admissionReady(config);
    const names = this.host.names;
    const record = names ? await names.create(config, options) : this.toolstack.create(config, options);
    return domainInfo(this.toolstack, record);
  }

  /** `xl destroy`, a protected guest's name freed first (transport/grpc/host-server.ts's Destroy). */
  async destroy(ref: string): Promise<void> {
    this.host.guard();
    const names = this.host.names;
    await (names ? names.destroy(ref) : this.toolstack.destroy(ref));
  }

  /** The source's Migrate, as the gRPC service hands it to the Host. */
  migrate(
    request: MigrateRequest,
    onProgress: (stats: MigrationStatsView) => void,
  ): Promise<MigrationStatsView> {
    this.host.guard();
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
        keepPaused: request.keepPaused,
      },
      onProgress,
    );
  }
}
