import { cpus, loadavg } from "node:os";
import { CHUNK_BYTE_COUNT } from "../services/core/memory/page-store.js";
import {
  eventsPerHostPerSecond,
  measureClockBaseline,
  runBusyCluster,
  runIdleCluster,
  type BusyClusterOptions,
} from "./simcluster.js";
import { formatMb, formatRate, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:simcluster`: issue 10's in-process cluster, measured (docs/sim.md).
const SEED = 1;
const BUSY: BusyClusterOptions = {
  seed: SEED,
  hostCount: 100,
  domainCount: 1000,
  domainMemoryMib: 32,
  busyEvery: 10,
  simulatedMs: 30_000,
  migrationIntervalMs: 1000,
};
const IDLE_HOST_COUNT = 1000;
const IDLE_SIMULATED_MS = 120_000;
const BASELINE_TIMER_COUNT = 200_000;
const BUSY_SIM_SECONDS_PER_WALL_SECOND_GOAL = 10;
const IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL = 1000;

async function main(): Promise<void> {
  process.stdout.write(
    `xensim bench:simcluster: node ${process.version}, ${cpus().length} cpus (load average ${loadavg()[0]?.toFixed(1)}), seed ${SEED}\n\n`,
  );
  const baseline = await measureClockBaseline(BASELINE_TIMER_COUNT);
  const busy = await runBusyCluster(BUSY);
  const idle = await runIdleCluster(SEED, IDLE_HOST_COUNT, IDLE_SIMULATED_MS);
  const busyRate = busy.simulatedMs / busy.wallMs;
  const idleRate = idle.simulatedMs / idle.wallMs;
  const idleEvents = eventsPerHostPerSecond(idle);
  const idleHostSeconds = (IDLE_HOST_COUNT * idle.simulatedMs) / 1000;
  const rows: Row[] = [
    {
      figure: `${BUSY.hostCount} hosts, ${BUSY.domainCount} DomUs of ${BUSY.domainMemoryMib} MiB, 1 in ${BUSY.busyEvery} busy, a migration every ${BUSY.migrationIntervalMs / 1000} s`,
      value: `${busyRate.toFixed(1)} sim-s/s`,
      goal: `>= ${BUSY_SIM_SECONDS_PER_WALL_SECOND_GOAL}`,
      met: busyRate >= BUSY_SIM_SECONDS_PER_WALL_SECOND_GOAL,
      detail: `${formatSeconds(busy.simulatedMs)} simulated in ${formatSeconds(busy.wallMs)} wall (setup ${formatSeconds(busy.setupWallMs)})`,
    },
    {
      figure: "  per CPU second of this process",
      value: `${(busy.simulatedMs / busy.cpuMs).toFixed(1)} sim-s/CPU-s`,
      detail: `${formatSeconds(busy.cpuMs)} CPU: the rate when the machine is shared`,
    },
    {
      figure: "  timers fired",
      value: formatRate((busy.timerCountFired * 1000) / busy.wallMs),
      detail: `${busy.timerCountFired} timers, ${Math.round((busy.timerCountFired * 1000) / busy.simulatedMs)} per simulated second`,
    },
    {
      figure: "  migrations",
      value: `${busy.migrationCountCompleted}/${busy.migrationCountStarted} completed`,
      detail: `${busy.migrationCountFailed} failed, the rest still running at the end`,
    },
    {
      figure: "  idle guests' checksums unchanged",
      value: `${busy.idleChecksumCountSame}/${busy.idleGuestCount}`,
      goal: "all",
      met: busy.idleChecksumCountSame === busy.idleGuestCount,
    },
    {
      figure: "  guest pages held by the process",
      value: formatMb(busy.guestByteCountHeld / 1024),
      detail: `of ${formatMb((BUSY.domainCount * BUSY.domainMemoryMib * 1024 * 1024) / 1024)} of guest memory; chunks of ${CHUNK_BYTE_COUNT / 1024 / 1024} MiB; RSS ${formatMb(process.memoryUsage().rss / 1024)}`,
    },
    {
      figure: `${IDLE_HOST_COUNT} idle hosts`,
      value: `${idleRate.toFixed(0)} sim-s/s`,
      goal: `>= ${IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL}`,
      met: idleRate >= IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL,
      detail: `${formatSeconds(idle.simulatedMs)} simulated in ${formatSeconds(idle.wallMs)} wall, ${idle.timerCountFired} timers`,
    },
    {
      figure: "  per CPU second of this process",
      value: `${(idle.simulatedMs / idle.cpuMs).toFixed(0)} sim-s/CPU-s`,
      detail: `${formatSeconds(idle.cpuMs)} CPU`,
    },
    {
      figure: "  events per idle host per simulated second",
      value: idleEvents.toFixed(2),
      detail: `${idle.timerCountFired} timers fired + ${idle.messageCountRelayed} messages relayed without a timer; ${(idle.messageCountSent / idleHostSeconds).toFixed(2)} messages sent per host-s`,
    },
    {
      figure: "  ceiling: baseline / events per host-s / hosts",
      value: `${(baseline.heapTimersPerSecond / idleEvents / IDLE_HOST_COUNT).toFixed(0)} sim-s/s`,
      detail: "computed from the figures above (not measured): empty timers only, no work in them",
    },
    {
      figure: "  baseline: SimulatedClock, empty timers",
      value: formatRate(baseline.heapTimersPerSecond),
      detail: `${baseline.timerCount} timers fired by advanceMs alone (same run)`,
    },
    {
      figure: "  baseline: runSimulation, empty timers at distinct times",
      value: formatRate(baseline.simulationTimersPerSecond),
      detail: "one event-loop turn each: the simulation loop's floor (same run)",
    },
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:simcluster: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
