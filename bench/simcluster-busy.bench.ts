import { cpus, loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { measureGuestWritesFloor } from "./guest-writes-floor.js";
import { measureHypervisorFloor } from "./hypervisor-floor.js";
import { mainThreadRows } from "./main-thread-rows.js";
import { busyWarmupRows, nodeFlagsText } from "./busy-warmup-rows.js";
import { BUSY_BREAKDOWN_PARTS, type CpuProfile, breakdownOf, profiled } from "./profile-breakdown.js";
import { BUSY_CASE, type BusyClusterFigures, guestPlan, runBusyCluster } from "./simcluster.js";
import { formatMb, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:simcluster:busy [-- --breakdown]`: only the busy case of bench:simcluster (100
// hosts, 1,000 DomUs, 10 % busy, a migration a second), with what the process paid the OS and the
// GC for it, and its floor: the busy guests' page writes alone. `--breakdown` runs the cluster under
// V8's sampling profiler and prints where the time went (the rate is then the profiled run's). The
// entry to profile: `node --cpu-prof dist/bench/simcluster-busy.bench.js`. npm's script starts V8
// with a 256 MB old generation (--initial-old-space-size): the live heap is ~35 MB, and from V8's
// small default the heap's growth still starts a full collection (and its marking) in the measured run.
const BUSY = BUSY_CASE;
const BREAKDOWN_FLAG = "--breakdown";
/** A tick ten times longer than the hosts' own, for the floor that says what the ticks cost. */
const SPARSE_TICK_INTERVAL_MS = 100;

/** Sums the GC pauses reported from now on (PerformanceObserver "gc" entries). */
function watchGc(): { stop(): { pauseMs: number; count: number } } {
  let pauseMs = 0;
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauseMs += entry.duration;
      count++;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    stop() {
      observer.disconnect();
      return { pauseMs, count };
    },
  };
}

async function main(): Promise<void> {
  process.stdout.write(
    `xensim bench:simcluster:busy: node ${process.version} ${nodeFlagsText()}, ${cpus().length} cpus (load average ${loadavg()[0]?.toFixed(1)}), seed ${BUSY.seed}\n\n`,
  );
  const usageBefore = process.resourceUsage();
  const gc = watchGc();
  const breakdown = process.argv.includes(BREAKDOWN_FLAG);
  const { busy, breakdownRows } = breakdown
    ? await busyProfiled()
    : { busy: await runBusyCluster(BUSY), breakdownRows: [] };
  const gcSeen = gc.stop();
  const usage = process.resourceUsage();
  const pageFaultCount = usage.minorPageFault - usageBefore.minorPageFault;
  const rssKib = process.memoryUsage().rss / 1024;
  const rows: Row[] = [
    {
      figure: `${BUSY.hostCount} hosts, ${BUSY.domainCount} DomUs of ${BUSY.domainMemoryMib} MiB, 1 in ${BUSY.busyEvery} busy`,
      value: `${(busy.simulatedMs / busy.wallMs).toFixed(2)} sim-s/s`,
      detail: `${formatSeconds(busy.simulatedMs)} simulated in ${formatSeconds(busy.wallMs)} wall (setup ${formatSeconds(busy.setupWallMs)}${busy.warmup ? ` and a warm-up of ${formatSeconds(busy.warmup.simulatedMs)} simulated` : ""} not counted)${breakdown ? ", under the profiler" : ""}; guest stores on a second thread, here and in the floors (store-worker.ts)`,
    },
    {
      figure: "  per CPU second of this process",
      value: `${(busy.simulatedMs / busy.cpuMs).toFixed(2)} sim-s/CPU-s`,
      detail: `${formatSeconds(busy.cpuMs)} CPU in the simulated run`,
    },
    ...mainThreadRows(busy),
    ...busyWarmupRows(busy),
    {
      figure: busy.warmup
        ? "  migrations (warm-up and measured); idle checksums unchanged"
        : "  migrations; idle checksums unchanged",
      value: `${busy.migrationCountCompleted}/${busy.migrationCountStarted}; ${busy.idleChecksumCountSame}/${busy.idleGuestCount}`,
    },
    {
      figure: "  page faults (setup and run)",
      value: pageFaultCount.toLocaleString("en-US"),
      detail: "minor faults of the process; each 4 KiB of guest memory first written costs one",
    },
    {
      figure: "  GC pauses (setup and run)",
      value: `${gcSeen.pauseMs.toFixed(0)} ms`,
      detail: `${gcSeen.count} collections`,
    },
    {
      figure: "  guest pages held; RSS",
      value: formatMb(busy.guestByteCountHeld / 1024),
      detail: `RSS ${formatMb(rssKib)} at the end`,
    },
    ...floorRows(busy.simulatedMs),
    ...breakdownRows,
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}

/**
 * The same run's floors: the busy guests' writes alone, the hosts' hypervisors alone without and
 * with the writes (bench/hypervisor-floor.ts). Each leaves out part of the cluster; none can be slower.
 */
function floorRows(simulatedMs: number): Row[] {
  const plan = guestPlan(BUSY);
  const writes = measureGuestWritesFloor(BUSY, plan);
  const ticks = measureHypervisorFloor(BUSY, plan, false);
  const hypervisors = measureHypervisorFloor(BUSY, plan, true);
  const ticksSparse = measureHypervisorFloor(BUSY, plan, false, SPARSE_TICK_INTERVAL_MS);
  const row = (
    figure: string,
    floor: { wallMs: number; cpuMs: number; pageFaultCount: number },
    what: string,
  ) => ({
    figure: `  floor: ${figure}`,
    value: `${(simulatedMs / floor.wallMs).toFixed(2)} sim-s/s`,
    detail: `${what}: ${formatSeconds(floor.wallMs)} wall, ${formatSeconds(floor.cpuMs)} CPU (${(simulatedMs / floor.cpuMs).toFixed(2)} sim-s/CPU-s), ${floor.pageFaultCount.toLocaleString("en-US")} page faults`,
  });
  return [
    row(
      "the busy guests' page writes alone",
      writes,
      `${writes.guestCount} guests' workloads, ${writes.writeCount.toLocaleString("en-US")} writes into fresh memory, nothing else simulated`,
    ),
    row(
      "the hosts' ticks and credit2 alone",
      ticks,
      "each host's Hypervisor with the same guests, busy ones CPU-bound but writing nothing",
    ),
    row(
      `the same, ticked every ${SPARSE_TICK_INTERVAL_MS} ms`,
      ticksSparse,
      "the same credit2 events (event-driven), a tenth of the ticks: the difference is what 10 ms ticks cost",
    ),
    row(
      "the hosts' hypervisors with the writes",
      hypervisors,
      "ticks, credit2 and writes; no toolstack, network, migration or scheduler",
    ),
  ];
}

/** The busy cluster with its measured run (not its setup) under the sampling profiler, and rows saying where that time went. */
async function busyProfiled(): Promise<{ busy: BusyClusterFigures; breakdownRows: Row[] }> {
  let profile: CpuProfile | undefined;
  const busy = await runBusyCluster(BUSY, async (run) => {
    profile = (await profiled(run)).profile;
  });
  const shares = profile ? breakdownOf(profile, BUSY_BREAKDOWN_PARTS) : [];
  const breakdownRows = shares.map((share) => ({
    figure: `  time in ${share.label}`,
    value: `${(share.fraction * 100).toFixed(1)} %`,
    detail: `${formatSeconds(share.ms)} of profile samples in the measured run (self time of the code on top of the stack)`,
  }));
  return { busy, breakdownRows };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:simcluster:busy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
