import { performance } from "node:perf_hooks";
import { SimulatedClock } from "../services/core/clock.js";
import { Prng } from "../services/core/prng.js";
import { runSimulation } from "../services/core/simulation.js";
import { HOST_CHUNK_POOL, waitForGuestStores } from "../services/core/memory/page-store.js";
import { SimCluster, type SimHostSpec } from "../services/sim/cluster.js";
import { SimUser } from "../services/sim/sim-user.js";
import { EventCensus, type CensusRow } from "./event-census.js";
import { threadCpuMs } from "./proc.js";

// The in-process cluster of issue 10 under load: real Hosts and the real Scheduler on one
// SimulatedClock. `bench/simcluster.bench.ts` prints the figures; `simcluster.test.ts` runs it tiny.

/** Memory of each simulated host: room for its share of guests plus Dom0. */
export const SIM_HOST_MEMORY_MIB = 4096;
/** The busy guests' workloads, alternating: a writable working set, and writes all over memory. */
export const BUSY_WORKLOADS = ["wws:hot=4M,rate=2000,cold=20", "uniform:rate=500"] as const;

export interface BusyClusterOptions {
  seed: number;
  hostCount: number;
  domainCount: number;
  domainMemoryMib: number;
  /** Every busyEvery-th guest runs a busy workload (10: 10 % busy); the others are idle. */
  busyEvery: number;
  /** Simulated time measured, after the guests are created (and after the warm-up, if any). */
  simulatedMs: number;
  /** A live migration of a seeded random guest starts this often (simulated time). */
  migrationIntervalMs: number;
  /**
   * Simulated time run first, with the same load and migrations, and left out of the rate: V8
   * compiles (and recompiles) the tick, write and migration paths during the first simulated
   * seconds. Its own figures are reported apart (BusyClusterFigures.warmup). 0 or absent: none.
   */
  warmupMs?: number;
}

/** The busy case bench:simcluster and bench:simcluster:busy measure (docs/sim.md). */
export const BUSY_CASE: BusyClusterOptions = {
  seed: 1,
  hostCount: 100,
  domainCount: 1000,
  domainMemoryMib: 32,
  busyEvery: 10,
  simulatedMs: 30_000,
  migrationIntervalMs: 1000,
  warmupMs: 10_000,
};

export interface BusyClusterFigures {
  /** Simulated time the cluster ran for, and the wall time that took. */
  simulatedMs: number;
  wallMs: number;
  /** CPU time this process used meanwhile (user + system): the rate on a machine shared with others. */
  cpuMs: number;
  /**
   * Of cpuMs, the main thread's (the simulation itself); the rest is the store worker's and V8's
   * GC and compiler threads. Undefined where the OS does not say (bench/proc.ts threadCpuMs).
   */
  mainThreadCpuMs: number | undefined;
  /** Wall time to boot the cluster and create the guests (not in the rate). */
  setupWallMs: number;
  /** Migrations of the whole run: the warm-up's and the measured part's. */
  migrationCountStarted: number;
  migrationCountCompleted: number;
  migrationCountFailed: number;
  /** The clock's timers that fired during the measured run. */
  timerCountFired: number;
  /** Idle guests whose memory checksum is the same after the run (wherever they are now). */
  idleChecksumCountSame: number;
  idleGuestCount: number;
  /** Guest pages the process holds (chunks in use), after the run. */
  guestByteCountHeld: number;
  /** The warm-up before the measured part, when there was one (warmUp). */
  warmup?: WarmupFigures;
}

export function hostSpecs(hostCount: number): SimHostSpec[] {
  return Array.from({ length: hostCount }, (_, i) => ({
    hostId: `h${i + 1}`,
    memoryMib: SIM_HOST_MEMORY_MIB,
  }));
}

export function guestName(index: number): string {
  return `g${index + 1}`;
}

function guestConfig(name: string, memoryMib: number, workload: string): string {
  return [
    `name = "${name}"`,
    `type = "pvh"`,
    `kernel = "/boot/vmlinuz-sim"`,
    `memory = ${memoryMib}`,
    `vcpus = 1`,
    `xsim_workload = "${workload}"`,
    "",
  ].join("\n");
}

export interface GuestPlan {
  name: string;
  hostId: string;
  workload: string;
}

/**
 * Guest i runs on host i % hostCount; the busy ones are spread the same way (the first hostCount
 * guests of every busyEvery * hostCount), so that each host has its share of busy guests.
 */
export function guestPlan(options: BusyClusterOptions): GuestPlan[] {
  return Array.from({ length: options.domainCount }, (_, i) => {
    const busy = Math.floor(i / options.hostCount) % options.busyEvery === 0;
    return {
      name: guestName(i),
      hostId: `h${(i % options.hostCount) + 1}`,
      workload: busy ? (BUSY_WORKLOADS[i % BUSY_WORKLOADS.length] ?? "idle") : "idle",
    };
  });
}

/** Creates the guests on their hosts (`xsim -H host create`), all at once. */
async function createGuests(
  cluster: SimCluster,
  user: SimUser,
  plan: readonly GuestPlan[],
  memoryMib: number,
) {
  const creates = plan.map((guest) =>
    user.createOn(guest.hostId, guestConfig(guest.name, memoryMib, guest.workload), `${guest.name}.cfg`),
  );
  await cluster.run(Promise.all(creates));
}

/** Where guest `name` runs now, and its memory checksum there. */
export function guestChecksum(cluster: SimCluster, name: string): string | undefined {
  for (const host of cluster.hosts.values()) {
    const record = [...host.toolstack.records.values()].find((r) => r.name === name);
    if (record) return host.toolstack.domainOf(record).memory.checksum();
  }
  return undefined;
}

/**
 * Counts the cluster's events from now on: the clock's timers fired, and the messages the network
 * relayed in the step of the message that carried them (a broker's routing: no timer of their own).
 */
export function countEvents(
  cluster: SimCluster,
): () => { timers: number; relayed: number; messages: number } {
  const { clock, network } = cluster;
  const timers = clock.timerCountFired;
  const relayed = network.messageCountRelayed;
  const messages = network.messageCountSent;
  return () => ({
    timers: clock.timerCountFired - timers,
    relayed: network.messageCountRelayed - relayed,
    messages: network.messageCountSent - messages,
  });
}

/** A warm-up's simulated, wall and CPU time: run before a measured part and left out of it. */
export interface WarmupFigures {
  simulatedMs: number;
  wallMs: number;
  cpuMs: number;
}

/** Runs `cluster` for `warmupMs` of simulated time unmeasured; undefined for none (0). */
async function warmUp(cluster: SimCluster, warmupMs: number): Promise<WarmupFigures | undefined> {
  if (warmupMs <= 0) return undefined;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await cluster.idle(warmupMs);
  return { simulatedMs: warmupMs, wallMs: performance.now() - started, cpuMs: cpuMsSince(cpuStarted) };
}

/** Simulated seconds per wall second of a run. */
export function simSecondsPerSecond(run: { simulatedMs: number; wallMs: number }): number {
  return run.simulatedMs / run.wallMs;
}

/** Runs the measured part of a bench (the profiler wraps it with this: bench/profile-breakdown.ts). */
export type MeasuredRun = (run: () => Promise<void>) => Promise<void>;

export async function runBusyCluster(
  options: BusyClusterOptions,
  measured: MeasuredRun = (run) => run(),
): Promise<BusyClusterFigures> {
  const setupStarted = performance.now();
  const cluster = await SimCluster.start({ seed: options.seed, hosts: hostSpecs(options.hostCount) });
  const user = new SimUser(cluster);
  const plan = guestPlan(options);
  await createGuests(cluster, user, plan, options.domainMemoryMib);
  const idleNames = plan.filter((guest) => guest.workload === "idle").map((guest) => guest.name);
  const checksumsBefore = idleNames.map((name) => guestChecksum(cluster, name));
  const setupWallMs = performance.now() - setupStarted;

  const prng = new Prng(options.seed).fork(0x6d69);
  const counts = { started: 0, completed: 0, failed: 0 };
  const migrating = new Set<string>();
  const startMigration = () => {
    const name = guestName(prng.nextInt(options.domainCount));
    if (migrating.has(name)) return;
    migrating.add(name);
    counts.started++;
    user
      .migrate(name)
      .then(
        (last) => (last.stats?.status === "completed" ? counts.completed++ : counts.failed++),
        () => counts.failed++,
      )
      .finally(() => migrating.delete(name));
  };
  const warmupMs = options.warmupMs ?? 0;
  // One migration every interval from the end of the setup, through the warm-up and the measured part.
  const migrationCount = Math.floor((warmupMs + options.simulatedMs) / options.migrationIntervalMs);
  for (let i = 1; i <= migrationCount; i++)
    cluster.clock.setTimer(i * options.migrationIntervalMs - 1, startMigration);
  const warmup = await warmUp(cluster, warmupMs);
  const events = countEvents(cluster);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const mainThreadCpuStartedMs = threadCpuMs();
  const simulatedStartMs = cluster.clock.nowMs();
  await measured(async () => {
    await cluster.idle(options.simulatedMs);
    waitForGuestStores(); // the stores the guests made are in memory, not only queued (store-worker.ts)
  });
  const wallMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpuStarted);
  const mainThreadCpuEndedMs = threadCpuMs();
  const simulatedMs = cluster.clock.nowMs() - simulatedStartMs;
  const timerCountFired = events().timers;

  const checksumsAfter = idleNames.map((name) => guestChecksum(cluster, name));
  const idleChecksumCountSame = checksumsAfter.filter(
    (c, i) => c !== undefined && c === checksumsBefore[i],
  ).length;
  return {
    simulatedMs,
    wallMs,
    cpuMs,
    mainThreadCpuMs:
      mainThreadCpuStartedMs === undefined || mainThreadCpuEndedMs === undefined
        ? undefined
        : mainThreadCpuEndedMs - mainThreadCpuStartedMs,
    setupWallMs,
    migrationCountStarted: counts.started,
    migrationCountCompleted: counts.completed,
    migrationCountFailed: counts.failed,
    timerCountFired,
    idleChecksumCountSame,
    idleGuestCount: idleNames.length,
    guestByteCountHeld: HOST_CHUNK_POOL.byteCountInUse,
    ...(warmup ? { warmup } : {}),
  };
}

export interface IdleClusterFigures {
  hostCount: number;
  /** Simulated time measured (after the warm-up, if any). */
  simulatedMs: number;
  wallMs: number;
  cpuMs: number;
  timerCountFired: number;
  /** Messages relayed without a timer (counted as events too). */
  messageCountRelayed: number;
  /** Messages sent (bus publishes, their relays, calls and answers). */
  messageCountSent: number;
  /** Every event by its cause, when the run took a census (slower: not a timed run). */
  census?: CensusRow[];
  /** The warm-up before the measured part, when there was one (warmUp). */
  warmup?: WarmupFigures;
  /** Hosts' seconds the shared second ran in the measured part (host/shared-second.ts), 0 without it. */
  sharedSecondCount: number;
}

export interface IdleClusterOptions {
  /** How often each host heartbeats; the cluster's default (1 s) unless told. */
  heartbeatIntervalMs?: number;
  /** Count every event by cause (bench/event-census.ts): the run is slower, its times mean nothing. */
  census?: boolean;
  /**
   * Simulated time run before measuring, not in the figures: the cluster's start (each host's first
   * statefile read and lease, the scheduler's first sync of every host) and V8's compiling of the
   * hot paths, which a long study pays once.
   */
  warmupMs?: number;
  /** Each host on its own timer a second (SimClusterOptions.sharedSecond false): the comparison. */
  ownSeconds?: boolean;
}

/** What one idle host costs: the cluster's events per host per simulated second (machine-independent). */
export function eventsPerHostPerSecond(figures: IdleClusterFigures): number {
  const events = figures.timerCountFired + figures.messageCountRelayed;
  return (events * 1000) / figures.simulatedMs / figures.hostCount;
}

/** N hosts without guests, the scheduler reading their heartbeats (every second unless told). */
export async function runIdleCluster(
  seed: number,
  hostCount: number,
  simulatedMs: number,
  options: IdleClusterOptions = {},
): Promise<IdleClusterFigures> {
  const { heartbeatIntervalMs } = options;
  let census: EventCensus | undefined;
  const cluster = await SimCluster.start({
    seed,
    hosts: hostSpecs(hostCount),
    ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
    ...(options.ownSeconds ? { sharedSecond: false } : {}),
    ...(options.census ? { onNetwork: (clock, network) => (census = new EventCensus(clock, network)) } : {}),
  });
  const warmup = await warmUp(cluster, options.warmupMs ?? 0);
  census?.reset();
  const events = countEvents(cluster);
  const sharedSecondsBefore = cluster.sharedSecond?.repeatCount ?? 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const simulatedStartMs = cluster.clock.nowMs();
  await cluster.idle(simulatedMs);
  const wallMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpuStarted);
  const counted = events();
  census?.stop();
  return {
    hostCount,
    simulatedMs: cluster.clock.nowMs() - simulatedStartMs,
    wallMs,
    cpuMs,
    timerCountFired: counted.timers,
    messageCountRelayed: counted.relayed,
    messageCountSent: counted.messages,
    sharedSecondCount: (cluster.sharedSecond?.repeatCount ?? 0) - sharedSecondsBefore,
    ...(census ? { census: census.rows() } : {}),
    ...(warmup ? { warmup } : {}),
  };
}

function cpuMsSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

export interface ClockBaselineFigures {
  timerCount: number;
  /** Empty timers fired by SimulatedClock.advanceMs alone, per wall second. */
  heapTimersPerSecond: number;
  /** Empty timers at distinct times fired through runSimulation (one step each: a process.nextTick, an event-loop turn every STEP_COUNT_PER_LOOP_TURN_MAX-th), per wall second. */
  simulationTimersPerSecond: number;
}

/** The same-run floor: what the clock and the simulation loop cost with timers that do nothing. */
export async function measureClockBaseline(timerCount: number): Promise<ClockBaselineFigures> {
  const heapClock = new SimulatedClock();
  for (let i = 0; i < timerCount; i++) heapClock.setTimer(i % 1000, () => undefined);
  let started = performance.now();
  heapClock.advanceMs(1000);
  const heapMs = performance.now() - started;

  const loopClock = new SimulatedClock();
  for (let i = 0; i < timerCount; i++) loopClock.setTimer(i + 1, () => undefined);
  started = performance.now();
  await runSimulation(loopClock, new Promise<void>((resolve) => loopClock.setTimer(timerCount + 1, resolve)));
  const loopMs = performance.now() - started;
  return {
    timerCount,
    heapTimersPerSecond: (timerCount * 1000) / heapMs,
    simulationTimersPerSecond: (timerCount * 1000) / loopMs,
  };
}
