import { cpus } from "node:os";
import { IDLE_TICK_INTERVAL_MS, TICK_INTERVAL_MS } from "../services/host/host.js";
import { ChildSet } from "./children.js";
import { BenchPki } from "./bench-pki.js";
import { BENCH_DOMAIN_MEMORY_MIB } from "./host-ops.js";
import { machineBusyPercent, type Measured } from "./measured.js";
import {
  benchHost,
  benchIdleBaseline,
  benchSideBySide,
  TLS_BENCH_HOST_ID,
  TLS_COMPARISON_ROUND_COUNT,
  type HostFigures,
  type IdleBaselineFigures,
  type PhaseOptions,
  type SideBySideFigures,
} from "./phases.js";
import { formatMb, formatRate, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:host`: the figures of issue 2, section 6, against real processes on loopback.
const WARMUP_MS = 1_000;
const DURATION_MS = 3_000;
const CONCURRENCY_LOW = 1;
const CONCURRENCY_HIGH = 64;
const OP_COUNT_PER_PHASE_MAX = 500_000;
const SETTLE_MS = 1_000;
const IDLE_DOMU_COUNT = 50;
const SIDE_BY_SIDE_HOST_COUNT = 20;
const ROUND_TRIPS_PER_SECOND_GOAL = 2_000;
const IDLE_RSS_BYTES_GOAL = 80_000_000;
/** Issue 10: 20 idle hosts together use less than this share of one CPU. */
const IDLE_HOSTS_CPU_PERCENT_GOAL = 5;

const PHASE_OPTIONS: PhaseOptions = {
  concurrencies: [CONCURRENCY_LOW, CONCURRENCY_HIGH],
  rate: (concurrency) => ({
    concurrency,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    opCountMax: OP_COUNT_PER_PHASE_MAX,
  }),
  settleMs: SETTLE_MS,
};

/** The bench's own CPU is its gRPC client (bench/wire-client.ts), printed beside the server's. */
const detail = (m: Measured) =>
  `p50 ${m.rate.latencyMsP50.toFixed(2)} ms, p99 ${m.rate.latencyMsP99.toFixed(2)} ms; ` +
  `CPU/op server ${Math.round(m.serverCpuUsPerOp)} µs, bench client ${Math.round(m.clientCpuUsPerOp)} µs`;

/**
 * A round trip is 2 RPCs, so the no-op call rate halved (computed from the figure measured in the
 * same run) is what a host that did no work at all would reach: the round trips' share of it.
 */
function pairRow(call: Measured, trip: Measured, concurrency: number, high: boolean): Row {
  const pairsPerSecond = call.rate.opsPerSecond / 2;
  const goalShare = ROUND_TRIPS_PER_SECOND_GOAL / pairsPerSecond;
  const pairServerCpuUs = 2 * call.serverCpuUsPerOp;
  return {
    figure: `  round trips / no-op RPC pairs, ${concurrency} in flight`,
    value: (trip.rate.opsPerSecond / pairsPerSecond).toFixed(3),
    ...(high ? { goal: `>= ${goalShare.toFixed(3)}` } : {}),
    ...(high ? { met: trip.rate.opsPerSecond >= ROUND_TRIPS_PER_SECOND_GOAL } : {}),
    detail:
      `pairs = no-op calls/s ÷ 2 = ${formatRate(pairsPerSecond)} (computed; a round trip is 2 RPCs)` +
      (high ? `; goal: ${formatRate(ROUND_TRIPS_PER_SECOND_GOAL)} ÷ pairs/s (computed)` : "") +
      `; server CPU per round trip ${Math.round(trip.serverCpuUsPerOp)} µs vs per no-op pair ${Math.round(pairServerCpuUs)} µs`,
  };
}

function rateRows(host: HostFigures): Row[] {
  const rows: Row[] = [];
  PHASE_OPTIONS.concurrencies.forEach((concurrency, i) => {
    const call = host.noopCalls[i];
    const trip = host.roundTrips[i];
    const tlsTrip = host.roundTripsTls[i];
    if (!call || !trip || !tlsTrip) throw new Error(`bench: no figure for ${concurrency} in flight`);
    const high = concurrency === CONCURRENCY_HIGH;
    rows.push(
      {
        figure: `no-op call to a grpc-js server, ${concurrency} in flight`,
        value: formatRate(call.rate.opsPerSecond),
        detail: `${detail(call)}; median of ${TLS_COMPARISON_ROUND_COUNT}, interleaved with the round trips`,
      },
      {
        figure: `create+destroy round trip, ${concurrency} in flight`,
        value: formatRate(trip.rate.opsPerSecond),
        ...(high ? { goal: `>= ${formatRate(ROUND_TRIPS_PER_SECOND_GOAL)}` } : {}),
        ...(high ? { met: trip.rate.opsPerSecond >= ROUND_TRIPS_PER_SECOND_GOAL } : {}),
        detail: `${detail(trip)}; median of ${TLS_COMPARISON_ROUND_COUNT}`,
      },
      pairRow(call, trip, concurrency, high),
      {
        figure: `create+destroy round trip over TLS, ${concurrency} in flight`,
        value: formatRate(tlsTrip.rate.opsPerSecond),
        detail: `${detail(tlsTrip)}; median of ${TLS_COMPARISON_ROUND_COUNT}, alternating with the one without`,
      },
      {
        figure: `  TLS cost: round trips with TLS / without, ${concurrency} in flight`,
        value: (tlsTrip.rate.opsPerSecond / trip.rate.opsPerSecond).toFixed(3),
        detail: `mutual TLS on the CLI's channel (issue 11); both medians of ${TLS_COMPARISON_ROUND_COUNT}, same run`,
      },
    );
  });
  return rows;
}

function memoryRows(host: HostFigures, side: SideBySideFigures, floor: IdleBaselineFigures): Row[] {
  const count = SIDE_BY_SIDE_HOST_COUNT;
  const rssTotalKib = side.rssKib.reduce((a, b) => a + b, 0);
  const floorRssTotalKib = floor.rssKib.reduce((a, b) => a + b, 0);
  return [
    {
      figure: "host RSS, idle",
      value: formatMb(host.idleRssKib),
      goal: `< ${IDLE_RSS_BYTES_GOAL / 1e6} MB`,
      met: host.idleRssKib * 1024 < IDLE_RSS_BYTES_GOAL,
    },
    {
      figure: `host RSS, ${IDLE_DOMU_COUNT} idle DomUs of ${BENCH_DOMAIN_MEMORY_MIB} MiB`,
      value: formatMb(host.idleDomuRssKib),
    },
    {
      figure: "host RSS after the round trips",
      value: formatMb(host.afterRssKib),
      detail: `peak (VmHWM) ${formatMb(host.peakRssKib)}`,
    },
    {
      figure: `${count} hosts side by side, answering Info`,
      value: `${side.answeredCount}/${count}`,
      goal: `${count} hosts`,
      met: side.answeredCount === count,
      detail: `all started and answering in ${formatSeconds(side.startMs)}, stopped in ${formatSeconds(side.stopMs)}`,
    },
    {
      figure: `${count} hosts: RSS total`,
      value: formatMb(rssTotalKib),
      detail: `per host: mean ${formatMb(rssTotalKib / count)}, max ${formatMb(Math.max(...side.rssKib))}`,
    },
    {
      figure: `  baseline: ${count} bare grpc-js servers, RSS total`,
      value: formatMb(floorRssTotalKib),
      detail: `per server: mean ${formatMb(floorRssTotalKib / count)} (node + grpc-js, same run)`,
    },
    {
      figure: `${count} hosts: CPU used while idle`,
      value: `${side.idleCpuPercent.toFixed(1)}% of one CPU`,
      goal: `< ${IDLE_HOSTS_CPU_PERCENT_GOAL}%`,
      met: side.idleCpuPercent < IDLE_HOSTS_CPU_PERCENT_GOAL,
      detail: `a host ticks every ${TICK_INTERVAL_MS} ms while a guest has work, else not at all (one timer every ${IDLE_TICK_INTERVAL_MS} ms)`,
    },
    {
      figure: `  baseline: ${count} bare grpc-js servers, CPU while idle`,
      value: `${floor.idleCpuPercent.toFixed(1)}% of one CPU`,
      detail: "the floor a host process cannot go below (same run)",
    },
  ];
}

async function main(): Promise<void> {
  const children = new ChildSet();
  const pki = new BenchPki([TLS_BENCH_HOST_ID]);
  process.on("exit", () => children.killAllNow());
  process.on("exit", () => pki.remove());
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  const busyPercent = await machineBusyPercent(SETTLE_MS);
  process.stdout.write(
    `xensim bench:host: node ${process.version}, ${cpus().length} cpus (${busyPercent.toFixed(0)}% busy before the bench), ` +
      `warmup ${WARMUP_MS} ms, ${DURATION_MS} ms per figure\n\n`,
  );
  try {
    const host = await benchHost(children, PHASE_OPTIONS, IDLE_DOMU_COUNT, pki);
    const side = await benchSideBySide(children, SIDE_BY_SIDE_HOST_COUNT, SETTLE_MS, DURATION_MS);
    const floor = await benchIdleBaseline(children, SIDE_BY_SIDE_HOST_COUNT, SETTLE_MS, DURATION_MS);
    const rows = [...rateRows(host), ...memoryRows(host, side, floor)];
    process.stdout.write(`${formatTable(rows)}\n`);
  } finally {
    await children.stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:host: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
