import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SystemClock } from "../wiring/system-clock.js";
import { Prng } from "../core/prng.js";
import type { HostSpec, Dom0Spec } from "../core/host-spec.js";
import { Toolstack } from "../dom0/toolstack.js";
import { HostService as HostServiceDefinition } from "../gen/xensim/v1/host.js";
import { hostServer } from "../transport/grpc/host-server.js";
import type { Bus } from "../contracts/bus.js";
import { encodeJson } from "../contracts/bus.js";
import { domainEventSubject, heartbeatSubject } from "../contracts/subjects.js";
import { buildHeartbeat } from "./heartbeat.js";
import { MigrationManager } from "../dom0/migrate/migration-manager.js";
import { migrationServer } from "../transport/grpc/migration-server.js";
import { MIGRATION_SERVICE, MIGRATION_SERVER_OPTIONS } from "../transport/grpc/migration-service.js";
import { migrationSubject } from "../contracts/subjects.js";
import { Fence } from "./fence.js";
import type { SchedulerName } from "../core/sched/index.js";
import { CPU_USAGE_SAMPLE_INTERVAL_MS, CpuUsageSampler } from "../dom0/cpu-usage.js";

/** How often the hypervisor runs the guests (workloads, CPU time) in a real service. */
export const TICK_INTERVAL_MS = 10;

export interface HostServiceOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  listenAddress: string;
  /** The address other hosts are told to reach this one at (e.g. behind a proxy); default the bound one. */
  advertiseAddress?: string;
  bus: Bus | undefined;
  heartbeatIntervalMs: number;
  /** Fence (destroy all DomUs) after this long without hearing our own heartbeat back; 0 = never. */
  fenceTimeoutMs?: number;
  grpcOptions?: Record<string, number>;
  /** The hypervisor's vCPU scheduler (`--sched`); default credit2. */
  scheduler?: SchedulerName;
}

/** One simulated physical host as a service: the toolstack wired to the OS clock, gRPC and NATS. */
export class HostService {
  readonly toolstack: Toolstack;
  readonly server: Server;
  readonly migrations = new MigrationManager();
  private timers: NodeJS.Timeout[] = [];
  private heartbeatSequence = 0;
  readonly fence: Fence | undefined;
  /** xentop's CPU(%): the domains' CPU time sampled every CPU_USAGE_SAMPLE_INTERVAL_MS. */
  readonly cpuUsage: CpuUsageSampler;
  boundPort = 0;

  constructor(readonly options: HostServiceOptions) {
    const toolstackOptions = options.scheduler ? { scheduler: options.scheduler } : {};
    const clock = new SystemClock();
    this.toolstack = new Toolstack(
      options.spec,
      options.dom0,
      clock,
      new Prng(options.seed),
      toolstackOptions,
    );
    this.cpuUsage = new CpuUsageSampler(this.toolstack.hypervisor, clock);
    this.server = new Server({
      ...MIGRATION_SERVER_OPTIONS,
      "grpc.keepalive_time_ms": 2000,
      "grpc.keepalive_timeout_ms": 2000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 1000,
      ...options.grpcOptions,
    });
    this.server.addService(
      HostServiceDefinition,
      hostServer(this.toolstack, options.spec.hostId, this.cpuUsage),
    );
    this.toolstack.isMigrating = (domid) => this.migrations.isMigrating(domid);
    this.server.addService(
      MIGRATION_SERVICE,
      migrationServer({
        toolstack: this.toolstack,
        manager: this.migrations,
        selfAddress: () => this.address,
        onStats: (stats) => {
          const subject = migrationSubject(stats.migrationId, "progress");
          options.bus?.publish(subject, encodeJson(stats));
        },
      }),
    );
    const bus = options.bus;
    const fenceTimeoutMs = options.fenceTimeoutMs ?? 0;
    if (bus && fenceTimeoutMs > 0) {
      this.fence = new Fence(this.toolstack, bus, fenceTimeoutMs, (line) =>
        process.stderr.write(`${options.spec.hostId}: ${line}\n`),
      );
    }
    if (bus) {
      this.toolstack.events = {
        domainEvent: (event) => bus.publish(domainEventSubject(event.hostId, event.event), encodeJson(event)),
      };
    }
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
      this.server.bindAsync(this.options.listenAddress, ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    this.timers.push(setInterval(() => this.toolstack.hypervisor.tick(), TICK_INTERVAL_MS));
    this.cpuUsage.sample();
    this.timers.push(setInterval(() => this.cpuUsage.sample(), CPU_USAGE_SAMPLE_INTERVAL_MS));
    if (this.options.bus) {
      this.publishHeartbeat();
      this.timers.push(setInterval(() => this.publishHeartbeat(), this.options.heartbeatIntervalMs));
      if (this.fence)
        this.timers.push(
          setInterval(() => this.fence?.check(), Math.max(50, this.options.heartbeatIntervalMs / 4)),
        );
    }
  }

  publishHeartbeat(): void {
    const beat = buildHeartbeat(
      this.toolstack,
      this.address,
      this.heartbeatSequence++,
      this.options.heartbeatIntervalMs,
      { outbound: this.migrations.outboundCount, inbound: this.migrations.inboundCount },
    );
    this.options.bus?.publish(heartbeatSubject(beat.hostId), encodeJson(beat));
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    await this.options.bus?.close();
  }
}
