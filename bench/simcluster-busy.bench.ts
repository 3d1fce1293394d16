import { cpus, loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { BUSY_CASE, runBusyCluster } from "./simcluster.js";
import { formatMb, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:simcluster:busy`: only the busy case of bench:simcluster (100 hosts, 1,000 DomUs,
// 10 % busy, a migration a second), with what the process paid the OS and the GC for it. The entry
// to profile: `node --cpu-prof dist/bench/simcluster-busy.bench.js`.
const BUSY = BUSY_CASE;

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
    `xensim bench:simcluster:busy: node ${process.version}, ${cpus().length} cpus (load average ${loadavg()[0]?.toFixed(1)}), seed ${BUSY.seed}\n\n`,
  );
  const usageBefore = process.resourceUsage();
  const gc = watchGc();
  const busy = await runBusyCluster(BUSY);
  const gcSeen = gc.stop();
  const usage = process.resourceUsage();
  const pageFaultCount = usage.minorPageFault - usageBefore.minorPageFault;
  const rows: Row[] = [
    {
      figure: `${BUSY.hostCount} hosts, ${BUSY.domainCount} DomUs of ${BUSY.domainMemoryMib} MiB, 1 in ${BUSY.busyEvery} busy`,
      value: `${(busy.simulatedMs / busy.wallMs).toFixed(2)} sim-s/s`,
      detail: `${formatSeconds(busy.simulatedMs)} simulated in ${formatSeconds(busy.wallMs)} wall (setup ${formatSeconds(busy.setupWallMs)} not counted)`,
    },
    {
      figure: "  per CPU second of this process",
      value: `${(busy.simulatedMs / busy.cpuMs).toFixed(2)} sim-s/CPU-s`,
      detail: `${formatSeconds(busy.cpuMs)} CPU in the simulated run`,
    },
    {
      figure: "  migrations; idle checksums unchanged",
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
      detail: `RSS ${formatMb(process.memoryUsage().rss / 1024)} at the end`,
    },
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
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
