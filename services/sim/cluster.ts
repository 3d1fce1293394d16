import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { runSimulation } from "../core/simulation.js";
import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import { HEARTBEAT_INTERVAL_MS_DEFAULT } from "../contracts/heartbeat.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { SchedulerProcess } from "../scheduler/scheduler-process.js";
import { HA_CONFIG_KEY, type HaConfig } from "../contracts/lease.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { BROKER_ID, SimNetwork } from "./network.js";
import type { SimProcess } from "./process.js";
import { SimBroker } from "./sim-bus.js";
import { SimKv } from "./sim-kv.js";
import { SimAuthorizer } from "./sim-authorization.js";
import { SimHost, simAddress, type SimHostWiring } from "./sim-host.js";
import { MemoryMigrationNetwork } from "../transport/memory/memory-links.js";
import { SimHostGateway } from "./sim-gateway.js";
import { SharedSecondTicker } from "./shared-second.js";
import { ToolstackError } from "../dom0/errors.js";
import { offloadGuestStores } from "../core/memory/page-store.js";

export const SCHEDULER_ID = "scheduler";
/** The user's `xsim` process: its calls cross the network like everyone else's. */
export const CLI_ID = "cli";
/** The scheduler's identity in the leader lease: a restart takes its own lease back at once (`--id`). */
export const SIM_SCHEDULER_HOLDER_ID = "scheduler";
/** How often a supervisor (xsim up's launcher, compose) retries a scheduler that failed to start. */
export const SCHEDULER_RESTART_RETRY_MS = 1000;

export interface SimHostSpec {
  hostId: string;
  memoryMib: number;
  pcpuCount?: number;
  hvmCapable?: boolean;
  dom0MemoryMib?: number;
}

export interface SimClusterOptions {
  seed: number;
  hosts: readonly SimHostSpec[];
  heartbeatIntervalMs?: number;
  missedHeartbeatCountMax?: number;
  /**
   * HA enabled from the start with this T (as `xsim ha-enable --timeout`, docs/specs/ha.md §1);
   * default off, as in a real cluster.
   */
  haTimeoutMs?: number;
  /** Whether a scheduler runs (a cluster of bare hosts has none). */
  withScheduler?: boolean;
  /** Called once the clock and the network exist, before any process starts (a bench's census). */
  onNetwork?: (clock: SimulatedClock, network: SimNetwork) => void;
  /**
   * Whether idle hosts hand their repeated seconds to one timer for all (host/shared-second.ts);
   * default true. False: each host's own timer runs every second (a bench's comparison).
   */
  sharedSecond?: boolean;
  /** SharedSecond.checksRepeats: each repeat checked against a heartbeat made afresh (the VOPR, tests). */
  checkSharedSeconds?: boolean;
}

/** One line of what happened, stamped with simulated time. */
export interface SimLogLine {
  atMs: number;
  source: string;
  text: string;
}

/**
 * A whole cluster in one process under one simulated clock: the broker and its KV bucket, N hosts,
 * the scheduler and the user's CLI, each a SimProcess on a SimNetwork that can drop, delay,
 * duplicate, reorder and partition their messages, stall or crash them. The same seed and the same
 * calls give the same run.
 */
export class SimCluster {
  readonly clock = new SimulatedClock();
  readonly prng: Prng;
  readonly network: SimNetwork;
  readonly broker: SimBroker;
  readonly kv: SimKv;
  /** Every member's NATS permissions, and what the broker and the bucket refused (SimAuthorizer). */
  readonly authorizer = new SimAuthorizer();
  readonly hosts = new Map<string, SimHost>();
  readonly specs = new Map<string, SimHostSpec>();
  readonly log: SimLogLine[] = [];
  /** Called as each host reports a domain event, at that moment (checkers look at the hosts then). */
  readonly domainEventListeners: Array<(event: DomainEvent) => void> = [];
  /** The scheduler process's parts while it runs (Scheduler, HaMonitor, leader lease). */
  schedulerProcess: SchedulerProcess | undefined;
  readonly heartbeatIntervalMs: number;
  private readonly hostsByAddress = new Map<string, string>();
  /** The hosts' migration links: every message of the handshake and the stream crosses the network. */
  readonly links: MemoryMigrationNetwork;
  /** The idle hosts' seconds (host/shared-second.ts), unless options.sharedSecond is false. */
  readonly sharedSecond: SharedSecondTicker | undefined;

  constructor(readonly options: SimClusterOptions) {
    // The guests' batched stores go to a second thread (same bytes at every read: store-worker.ts).
    offloadGuestStores();
    this.prng = new Prng(options.seed);
    this.network = new SimNetwork(this.clock, this.prng.fork(1));
    options.onNetwork?.(this.clock, this.network);
    // nats-server's permissions, from the table its real config is written from.
    this.authorizer.admit(SCHEDULER_ID, "scheduler", "scheduler");
    this.authorizer.listeners.push(({ processId, refusal }) =>
      this.note(processId, `nats-server: ${refusal}`),
    );
    this.broker = new SimBroker(this.network, this.authorizer);
    this.kv = new SimKv(this.network, this.authorizer);
    // Every message of a migration rides a connection: lost to a cut or a crash, its sender is told.
    // A killed host's open connections break at their other ends once keepalive notices.
    this.links = new MemoryMigrationNetwork(
      (from, to, message, onLost) => {
        const fromId = this.hostsByAddress.get(from);
        const toId = this.hostsByAddress.get(to) ?? to;
        if (fromId === undefined) throw new Error(`SimCluster: no host sends from ${from}`);
        const lost = () => onLost?.(new ToolstackError("UNAVAILABLE", `the connection to ${to} was lost`));
        this.network.send(fromId, toId, message, true, onLost && lost);
      },
      (observer, _gone, notice) => {
        const observerId = this.hostsByAddress.get(observer);
        if (observerId !== undefined) this.network.noticeLoss(observerId, notice);
      },
    );
    // A partition breaks the connections across it too, once keepalive gives up (LINK_LOSS_NOTICE_MS).
    this.network.partitionListeners.push(() =>
      this.links.partitioned((a, b) => {
        const [aId, bId] = [this.hostsByAddress.get(a), this.hostsByAddress.get(b)];
        return aId !== undefined && bId !== undefined && !this.network.connected(aId, bId);
      }),
    );
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS_DEFAULT;
    this.sharedSecond =
      options.sharedSecond === false
        ? undefined
        : new SharedSecondTicker(this.clock, {
            broker: this.broker,
            checksRepeats: options.checkSharedSeconds ?? false,
            processChanges: this.network.processChanges,
          });
    if (options.haTimeoutMs !== undefined) {
      const config: HaConfig = { enabled: true, timeoutMs: options.haTimeoutMs };
      this.kv.put(HA_CONFIG_KEY, JSON.stringify(config));
    }
    this.network.addProcess(CLI_ID);
    this.network.addProcess(SCHEDULER_ID);
    for (const spec of options.hosts) this.addHost(spec);
  }

  static async start(options: SimClusterOptions): Promise<SimCluster> {
    const cluster = new SimCluster(options);
    if (options.withScheduler ?? true) await cluster.run(cluster.startScheduler());
    // Let every host's first heartbeat and the scheduler's first read of it happen.
    await cluster.idle(cluster.heartbeatIntervalMs);
    return cluster;
  }

  /** Called with each line of the log as it is written. */
  readonly logListeners: Array<(line: SimLogLine) => void> = [];

  note(source: string, text: string): void {
    const line = { atMs: this.clock.nowMs(), source, text };
    this.log.push(line);
    for (const listener of this.logListeners) listener(line);
  }

  addHost(spec: SimHostSpec): SimHost {
    if (this.specs.has(spec.hostId)) throw new Error(`SimCluster: host ${spec.hostId} exists`);
    this.specs.set(spec.hostId, spec);
    const process = this.network.addProcess(spec.hostId);
    return this.bootHost(spec, process);
  }

  host(hostId: string): SimHost {
    const host = this.hosts.get(hostId);
    if (!host) throw new Error(`SimCluster: no host ${hostId}`);
    return host;
  }

  hostAt(address: string): SimHost | undefined {
    const hostId = this.hostsByAddress.get(address);
    const host = hostId === undefined ? undefined : this.hosts.get(hostId);
    return host && host.process.state === "running" ? host : undefined;
  }

  /** The host's process dies: its guests are gone with it (a power cut, a kernel panic). */
  killHost(hostId: string): void {
    this.host(hostId).process.crash();
    this.links.crashed(simAddress(hostId));
    this.note(hostId, "killed");
  }

  /** Boots a killed host again, empty, as a fresh process. */
  restartHost(hostId: string): SimHost {
    const old = this.host(hostId);
    old.process.restart();
    this.note(hostId, "restarted");
    return this.bootHost(this.specs.get(hostId)!, old.process);
  }

  stall(processId: string, durationMs: number): void {
    this.network.process(processId).stall(durationMs);
    this.note(processId, `stalled for ${durationMs} ms`);
  }

  brokerDown(): void {
    this.network.process(BROKER_ID).crash();
    this.note(BROKER_ID, "down");
  }

  brokerUp(): void {
    this.network.process(BROKER_ID).restart();
    this.note(BROKER_ID, "up");
  }

  /** The running scheduler, if any. */
  get scheduler(): Scheduler | undefined {
    return this.schedulerProcess?.scheduler;
  }

  /** What a host process is connected to. */
  private get wiring(): SimHostWiring {
    return {
      network: this.network,
      broker: this.broker,
      kv: this.kv,
      links: this.links,
      hostAt: (address) => this.hostAt(address),
      ...(this.sharedSecond ? { sharedSecond: this.sharedSecond } : {}),
    };
  }

  crashScheduler(): void {
    this.schedulerProcess?.stop();
    this.schedulerProcess = undefined;
    this.network.process(SCHEDULER_ID).crash();
    this.note(SCHEDULER_ID, "crashed");
  }

  /** Starts the scheduler again, as its supervisor would, retrying while it cannot reach the store. */
  async restartScheduler(): Promise<void> {
    this.network.process(SCHEDULER_ID).restart();
    this.note(SCHEDULER_ID, "restarted");
    await this.startScheduler();
  }

  /** The scheduler process as scheduler/main.ts assembles it (SchedulerProcess), on this network. */
  private async startScheduler(): Promise<void> {
    const process = this.network.process(SCHEDULER_ID);
    const generation = process.generation;
    const bus = this.broker.connect(SCHEDULER_ID);
    const schedulerProcess = new SchedulerProcess({
      clock: process.clock,
      prng: this.prng.fork(1000 + generation),
      bus,
      busHealth: bus,
      store: this.kv.connect(SCHEDULER_ID),
      statefile: this.kv.statefile(SCHEDULER_ID),
      schedulerId: `${SCHEDULER_ID}.${generation}`,
      gateway: new SimHostGateway(this.network, SCHEDULER_ID, (a) => this.hostAt(a)),
      ...(this.options.missedHeartbeatCountMax !== undefined
        ? { missedHeartbeatCountMax: this.options.missedHeartbeatCountMax }
        : {}),
      log: (line) => this.note(SCHEDULER_ID, line),
    });
    try {
      await schedulerProcess.start();
    } catch (error) {
      schedulerProcess.stop();
      this.note(SCHEDULER_ID, `start failed: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise<void>((resolve) => process.clock.setTimer(SCHEDULER_RESTART_RETRY_MS, resolve));
      if (process.generation === generation) return this.startScheduler();
      return;
    }
    if (process.generation !== generation) return schedulerProcess.stop();
    schedulerProcess.lead(SIM_SCHEDULER_HOLDER_ID, simAddress(SCHEDULER_ID));
    this.schedulerProcess = schedulerProcess;
  }

  private bootHost(spec: SimHostSpec, process: SimProcess): SimHost {
    const hostSpec: HostSpec = {
      hostId: spec.hostId,
      memoryMib: spec.memoryMib,
      pcpuCount: spec.pcpuCount ?? 8,
      hvmCapable: spec.hvmCapable ?? true,
      cpuMhz: 2400,
    };
    const dom0: Dom0Spec = { memoryMib: spec.dom0MemoryMib ?? 512, vcpus: 1 };
    this.hostsByAddress.set(simAddress(spec.hostId), spec.hostId);
    this.authorizer.admit(spec.hostId, "host", spec.hostId);
    // Each boot of each host its own seed: a rebooted host draws new epochs, ids and tokens.
    const index = [...this.specs.keys()].indexOf(spec.hostId);
    const seeds = this.prng.fork(10_000 + index);
    const host = new SimHost(this.wiring, process, {
      spec: hostSpec,
      dom0,
      seed: (process.generation === 0 ? seeds : seeds.fork(process.generation)).nextU32(),
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      onDomainEvent: (event) => {
        for (const listener of this.domainEventListeners) listener(event);
      },
      // The Host prefixes its lines with its id for a shared log; here the source says it already.
      log: (line) => this.note(spec.hostId, line.replace(`${spec.hostId}: `, "")),
    });
    this.hosts.set(spec.hostId, host);
    this.links.attach(host.address, host.host);
    host.start();
    return host;
  }

  /** Runs `work` to completion, everything else running around it. */
  run<T>(work: Promise<T>): Promise<T> {
    return runSimulation(this.clock, work);
  }

  /** Lets `ms` of simulated time pass. */
  idle(ms: number): Promise<void> {
    return this.run(new Promise<void>((resolve) => this.clock.setTimer(ms, resolve)));
  }
}
