import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { every, runSimulation } from "../core/simulation.js";
import { MemoryBus } from "../transport/bus/memory-bus.js";
import { FakeCluster, type FakeHostSpec } from "./fake-cluster.js";
import { Scheduler } from "./scheduler.js";
import { MemoryStore, type StateStore } from "../contracts/state-store.js";

export const RIG_HEARTBEAT_MS = 200;
export const RIG_MISSED_HEARTBEATS = 3;

/** A scheduler over fake hosts, one process, simulated time: the scheduler's seeded test bench. */
export interface SimRig {
  clock: SimulatedClock;
  bus: MemoryBus;
  store: StateStore;
  cluster: FakeCluster;
  scheduler: Scheduler;
  log: string[];
  /** Runs `work` to completion, heartbeats flowing. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Lets `ms` of simulated time pass. */
  idle(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimRig(
  hosts: readonly FakeHostSpec[],
  options: { store?: StateStore; seed?: number } = {},
): Promise<SimRig> {
  const clock = new SimulatedClock();
  const bus = new MemoryBus();
  const store = options.store ?? new MemoryStore();
  const cluster = new FakeCluster(clock, bus);
  for (const spec of hosts) cluster.addHost(spec);
  const log: string[] = [];
  const scheduler = new Scheduler({
    clock,
    prng: new Prng(options.seed ?? 1),
    bus,
    store,
    gateway: cluster,
    missedHeartbeatCountMax: RIG_MISSED_HEARTBEATS,
    log: (line) => log.push(line),
  });
  await scheduler.start();
  const stopBeats = every(clock, RIG_HEARTBEAT_MS, () => cluster.publishHeartbeats(RIG_HEARTBEAT_MS));
  cluster.publishHeartbeats(RIG_HEARTBEAT_MS);
  const run = <T>(work: Promise<T>) => runSimulation(clock, work);
  const idle = (ms: number) => run(new Promise<void>((resolve) => clock.setTimer(ms, resolve)));
  // A first beat per host and its sync.
  await idle(RIG_HEARTBEAT_MS / 2);
  return {
    clock,
    bus,
    store,
    cluster,
    scheduler,
    log,
    run,
    idle,
    stop: async () => {
      stopBeats();
      scheduler.stop();
      await bus.close();
    },
  };
}
