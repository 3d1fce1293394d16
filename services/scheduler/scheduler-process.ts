import { Scheduler, type SchedulerOptions } from "./scheduler.js";
import type { Statefile } from "../contracts/statefile.js";
import type { BusSubscription } from "../contracts/bus.js";
import { HaMonitor } from "./ha-monitor.js";
import { LeaderLease } from "./leader-lease.js";
import { serveShutdownRequests } from "./host-shutdown.js";
import { startBackground } from "./background.js";

export interface SchedulerProcessOptions extends SchedulerOptions {
  /** The HA statefile (docs/specs/ha.md §3): leases and the cluster's HA setting. */
  statefile: Statefile;
  /** Who revokes a lease, as written in `revokedBy`. */
  schedulerId: string;
}

/**
 * The whole scheduler as one process runs it, without any transport: the Scheduler (view, HA
 * records, operations), HA from the leases (HaMonitor, docs/specs/ha.md §5), host shutdown
 * requests, and, once it listens somewhere, the leader lease and the background tasks (reconcile,
 * evacuations to resume). `scheduler/main.ts` wires it to the OS clock, gRPC and NATS; the
 * one-process cluster (services/sim/) to a simulated clock, network and broker. One assembly,
 * two wirings.
 */
export class SchedulerProcess {
  readonly scheduler: Scheduler;
  readonly ha: HaMonitor;
  lease: LeaderLease | undefined;
  private readonly stops: Array<() => void> = [];
  private subscription: BusSubscription | undefined;

  constructor(readonly options: SchedulerProcessOptions) {
    this.scheduler = new Scheduler(options);
    this.ha = new HaMonitor(this.scheduler, options.statefile, options.schedulerId);
  }

  /** Follows the cluster: heartbeats and events, shutdown requests, the leases. */
  async start(): Promise<void> {
    await this.scheduler.start();
    this.subscription = serveShutdownRequests(this.scheduler, this.options.bus);
    this.ha.start();
  }

  /**
   * Contends for the leader lease as `holderId` (a restart with the same id takes its own lease
   * back at once), advertising `address`, and runs the background tasks while active. HA restarts
   * come only from HaMonitor's lease decisions, never from a host declared down by NATS heartbeats.
   */
  lead(holderId: string, address: string): void {
    this.lease = new LeaderLease(this.scheduler.clock, this.options.store, { holderId, address });
    this.stops.push(startBackground(this.scheduler, { lease: this.lease }));
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.subscription?.unsubscribe();
    this.ha.stop();
    this.scheduler.stop();
  }
}
