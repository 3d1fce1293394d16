import { randomBytes, randomUUID } from "node:crypto";
import { Server } from "@grpc/grpc-js";
import {
  channelCredentials,
  clusterSecurity,
  serverCredentials,
  serverInterceptors,
  type ClusterSecurity,
} from "../transport/tls/cluster-credentials.js";
import { HOST_CALL_POLICY } from "../transport/tls/authorize-calls.js";
import type { ConfinedPaths } from "../dom0/confined-paths.js";
import { SystemClock } from "./system-clock.js";
import { SYSTEM_SCHEDULER } from "./system-scheduler.js";
import type { HostSpec, Dom0Spec } from "../core/host-spec.js";
import type { Toolstack } from "../dom0/toolstack.js";
import type { MigrationManager } from "../dom0/migrate/migration-manager.js";
import type { CpuUsageSampler } from "../dom0/cpu-usage.js";
import { hostServer, HOST_SERVICE_DEFINITION } from "../transport/grpc/host-server.js";
import type { Bus } from "../contracts/bus.js";
import { migrationServer } from "../transport/grpc/migration-server.js";
import { MIGRATION_SERVICE, MIGRATION_SERVER_OPTIONS } from "../transport/grpc/migration-service.js";
import { SERVER_OPTIONS_BASE } from "../transport/grpc/server-options.js";
import { grpcMigrationLinks } from "../transport/grpc/grpc-links.js";
import type { Statefile } from "../contracts/statefile.js";
import { HaPeerService } from "../gen/xensim/v1/ha.js";
import { GrpcPeerPinger, haPeerServer } from "../transport/grpc/ha-peer.js";
import type { LeaseKeeper } from "../host/lease-keeper.js";
import { guardServer } from "./guard-server.js";
import type { SchedulerName } from "../core/sched/index.js";
import { Host } from "../host/host.js";
import type { StateStore } from "../contracts/state-store.js";
import { FaultInjectionService } from "../gen/xensim/v1/fault.js";
import { faultServer } from "../transport/grpc/fault-server.js";
import { CpupoolService } from "../gen/xensim/v1/cpupool.js";
import { cpupoolServer } from "../transport/grpc/cpupool-server.js";
import { rtdsServer } from "../transport/grpc/rtds-server.js";
import { SchedRtdsService } from "../gen/xensim/v1/rtds.js";

export { TICK_INTERVAL_MS } from "../host/host.js";

export interface HostServiceOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  listenAddress: string;
  /** The address other hosts are told to reach this one at (e.g. behind a proxy); default the bound one. */
  advertiseAddress?: string;
  bus: Bus | undefined;
  heartbeatIntervalMs: number;
  /** The HA statefile (docs/specs/ha.md); without it the host takes no part in HA. */
  statefile?: Statefile;
  grpcOptions?: Record<string, number>;
  /** The hypervisor's vCPU scheduler (`--sched`); default credit2. */
  scheduler?: SchedulerName;
  /** The cluster's state store: domain names are reserved there (unique in the cluster). */
  store?: StateStore;
  /** `--allow-fault-injection`: the FaultInjection service answers (docs/specs/fault-injection.md). */
  faultInjectionAllowed?: boolean;
  /** Where save/restore may read and write files (--state-dir, --allow-dir); without, both are refused. */
  files?: ConfinedPaths;
  /** Its cluster credentials (--pki) or insecure; default the process's (cluster-credentials.ts). */
  security?: ClusterSecurity;
}

/**
 * One simulated physical host as a service: the transport-free Host (host.ts) wired to the OS clock,
 * gRPC and NATS. Everything a host does is in Host; this only binds it to the operating system.
 */
export class HostService {
  readonly host: Host;
  readonly server: Server;
  private readonly pinger: GrpcPeerPinger;
  boundPort = 0;

  private readonly security: ClusterSecurity;

  constructor(readonly options: HostServiceOptions) {
    this.security = options.security ?? clusterSecurity();
    this.pinger = new GrpcPeerPinger(options.spec.hostId, () => this.address, this.security);
    this.host = new Host({
      spec: options.spec,
      dom0: options.dom0,
      seed: options.seed,
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      faultInjectionAllowed: options.faultInjectionAllowed ?? false,
      clock: new SystemClock(),
      engine: SYSTEM_SCHEDULER,
      bus: options.bus,
      links: grpcMigrationLinks(channelCredentials(["host"], this.security)),
      ...(options.files ? { files: options.files } : {}),
      address: () => this.address,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      ...(options.statefile ? { statefile: options.statefile, ping: this.pinger.ping } : {}),
      newId: () => randomUUID(),
      newToken: () => randomBytes(16).toString("hex"),
      epochMs: () => Date.now(),
      log: (line) => process.stderr.write(`${line}\n`),
      ...(options.store ? { store: options.store } : {}),
    });
    this.server = new Server({
      ...SERVER_OPTIONS_BASE,
      ...MIGRATION_SERVER_OPTIONS,
      "grpc.keepalive_time_ms": 2000,
      "grpc.keepalive_timeout_ms": 2000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 1000,
      ...options.grpcOptions,
      interceptors: serverInterceptors(HOST_CALL_POLICY, this.security),
    });
    // A host that wakes from a stall decides about its protected guests before it answers anything.
    const guard = () => this.host.guard();
    this.server.addService(
      HOST_SERVICE_DEFINITION,
      guardServer(
        hostServer(
          this.toolstack,
          options.spec.hostId,
          this.cpuUsage,
          this.host.names,
          this.host.faults.allowed,
          () => this.host.files(),
          () => this.host.leaseEpoch,
        ),
        guard,
      ),
    );
    if (this.host.ha)
      this.server.addService(
        HaPeerService,
        haPeerServer(options.spec.hostId, (hostId, address) => this.host.answerPeerPing(hostId, address)),
      );
    this.server.addService(MIGRATION_SERVICE, migrationServer(this.host));
    this.server.addService(FaultInjectionService, faultServer(this.toolstack, this.host.faults));
    this.server.addService(CpupoolService, guardServer(cpupoolServer(this.toolstack), guard));
    this.server.addService(SchedRtdsService, guardServer(rtdsServer(this.toolstack), guard));
  }

  get toolstack(): Toolstack {
    return this.host.toolstack;
  }

  get migrations(): MigrationManager {
    return this.host.migrations;
  }

  get ha(): LeaseKeeper | undefined {
    return this.host.ha;
  }

  /** xentop's CPU(%): the domains' CPU time sampled every CPU_USAGE_SAMPLE_INTERVAL_MS. */
  get cpuUsage(): CpuUsageSampler {
    return this.host.cpuUsage;
  }

  /** The address other hosts reach this one at (migration pulls, heartbeats). */
  get address(): string {
    return this.options.advertiseAddress ?? this.boundAddress;
  }

  /** The address the gRPC server listens on. */
  get boundAddress(): string {
    const host = this.options.listenAddress.replace(/:\d+$/, "");
    return `${host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(this.options.listenAddress, serverCredentials(this.security), (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    this.host.start();
  }

  publishHeartbeat(): void {
    this.host.publishHeartbeat();
  }

  async stop(): Promise<void> {
    this.host.stop();
    this.pinger.close();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await this.options.bus?.close();
  }
}
