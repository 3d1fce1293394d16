import { cpus, loadavg } from "node:os";
import { CHUNK_BYTE_COUNT } from "../services/core/memory/page-store.js";
import { leaseTiming } from "../services/contracts/lease.js";
import { idleCeilingRows, idleRunRows } from "./simcluster-idle.js";
import {
  BUSY_CASE,
  measureClockBaseline,
  runBusyCluster,
  runIdleCluster,
  type BusyClusterOptions,
} from "./simcluster.js";
import { formatMb, formatRate, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:simcluster`: issue 10's in-process cluster, measured (docs/sim.md).
const SEED = 1;
const BUSY: BusyClusterOptions = { ...BUSY_CASE, seed: SEED };
const IDLE_HOST_COUNT = 1000;
const IDLE_SIMULATED_MS = 120_000;
const BASELINE_TIMER_COUNT = 200_000;
const BUSY_SIM_SECONDS_PER_WALL_SECOND_GOAL = 10;
/**
 * A second idle row, beside the 1 s one: hosts heartbeating as often as XAPI's HA does, t = (T + 10) / 10
 * at its usual T = 60 s (docs/specs/ha.md §1).
 */
const XAPI_HEARTBEAT_INTERVAL_MS = leaseTiming(60_000).renewIntervalMs;

async function main(): Promise<void> {
  process.stdout.write(
    `xensim bench:simcluster: node ${process.version}, ${cpus().length} cpus (load average ${loadavg()[0]?.toFixed(1)}), seed ${SEED}\n\n`,
  );
  const baseline = await measureClockBaseline(BASELINE_TIMER_COUNT);
  const busy = await runBusyCluster(BUSY);
  const idle = await runIdleCluster(SEED, IDLE_HOST_COUNT, IDLE_SIMULATED_MS);
  const idleXapi = await runIdleCluster(SEED, IDLE_HOST_COUNT, IDLE_SIMULATED_MS, XAPI_HEARTBEAT_INTERVAL_MS);
  const busyRate = busy.simulatedMs / busy.wallMs;
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
    ...idleRunRows(`${IDLE_HOST_COUNT} idle hosts, a heartbeat a second`, idle, true),
    ...idleCeilingRows(idle, baseline),
    ...idleRunRows(
      `${IDLE_HOST_COUNT} idle hosts, a heartbeat every ${XAPI_HEARTBEAT_INTERVAL_MS / 1000} s (XAPI's HA t at T = 60 s)`,
      idleXapi,
      false,
    ),
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
