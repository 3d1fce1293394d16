import { Server, ServerCredentials } from "@grpc/grpc-js";
import { SystemClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { HostSpec, Dom0Spec } from "../core/host-spec.js";
import { Toolstack } from "../dom0/toolstack.js";
import { HostService as HostServiceDefinition } from "../gen/xensim/v1/host.js";
import { hostServer } from "../transport/grpc/host-server.js";
import type { Bus } from "../transport/bus/bus.js";
import { encodeJson } from "../transport/bus/bus.js";
import { domainEventSubject, heartbeatSubject } from "../transport/bus/subjects.js";
import { buildHeartbeat } from "./heartbeat.js";

/** How often the hypervisor runs the guests (workloads, CPU time) in a real service. */
export const TICK_INTERVAL_MS = 10;

export interface HostServiceOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  listenAddress: string;
  bus: Bus | undefined;
  heartbeatIntervalMs: number;
  grpcOptions?: Record<string, number>;
}

/** One simulated physical host as a service: the toolstack wired to the OS clock, gRPC and NATS. */
export class HostService {
  readonly toolstack: Toolstack;
  readonly server: Server;
  private timers: NodeJS.Timeout[] = [];
  private heartbeatSequence = 0;
  boundPort = 0;

  constructor(readonly options: HostServiceOptions) {
    this.toolstack = new Toolstack(options.spec, options.dom0, new SystemClock(), new Prng(options.seed));
    this.server = new Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024, ...options.grpcOptions });
    this.server.addService(HostServiceDefinition, hostServer(this.toolstack, options.spec.hostId));
    const bus = options.bus;
    if (bus) {
      this.toolstack.events = {
        domainEvent: (event) => bus.publish(domainEventSubject(event.hostId, event.event), encodeJson(event)),
      };
    }
  }

  get address(): string {
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
    if (this.options.bus) {
      this.publishHeartbeat();
      this.timers.push(setInterval(() => this.publishHeartbeat(), this.options.heartbeatIntervalMs));
    }
  }

  publishHeartbeat(): void {
    const beat = buildHeartbeat(
      this.toolstack,
      this.address,
      this.heartbeatSequence++,
      this.options.heartbeatIntervalMs,
      {
        outbound: 0,
        inbound: 0,
      },
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
