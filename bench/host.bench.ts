import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { connectHost } from "../services/cli/host-client.js";
import { ChildSet } from "./children.js";
import {
  BENCH_DOMAIN_MEMORY_MIB,
  createDestroyOp,
  createDomain,
  destroyDomain,
  infoHostId,
  startHost,
} from "./host-ops.js";
import { connectNoop, noopCall } from "./noop-service.js";
import { measureRate, type RateOptions, type RateResult } from "./rate.js";
import { procStatusKib } from "./rss.js";
import { formatTable, formatRate, type Row } from "./table.js";

// `npm run bench:host`: the figures of issue 2, section 6, against real processes on loopback.
const WARMUP_MS = 1_000;
const DURATION_MS = 3_000;
const CONCURRENCY_HIGH = 64;
const OP_COUNT_PER_PHASE_MAX = 500_000;
const SETTLE_MS = 1_000;
const IDLE_DOMU_COUNT = 50;
const SIDE_BY_SIDE_HOST_COUNT = 20;
const ROUND_TRIPS_PER_SECOND_GOAL = 2_000;
const IDLE_RSS_BYTES_GOAL = 80_000_000;
const NOOP_SERVER_PATH = join(import.meta.dirname, "noop-server.js");

const rateOptions = (concurrency: number): RateOptions => ({
  concurrency,
  warmupMs: WARMUP_MS,
  durationMs: DURATION_MS,
  opCountMax: OP_COUNT_PER_PHASE_MAX,
});
const formatLatency = (r: RateResult) =>
  `${formatRate(r.opsPerSecond)}  (p50 ${r.latencyMsP50.toFixed(2)} ms, p99 ${r.latencyMsP99.toFixed(2)} ms)`;
const formatMb = (kib: number) => `${((kib * 1024) / 1e6).toFixed(1)} MB`;

async function benchNoop(children: ChildSet): Promise<[RateResult, RateResult]> {
  const server = await children.startNode("noop-server", NOOP_SERVER_PATH, ["127.0.0.1:0"]);
  const client = connectNoop(server.address);
  try {
    const op = () => noopCall(client);
    return [await measureRate(op, rateOptions(1)), await measureRate(op, rateOptions(CONCURRENCY_HIGH))];
  } finally {
    client.close();
    await children.stop(server.process);
  }
}

interface HostFigures {
  idleRssKib: number;
  domuRssKib: number;
  afterRssKib: number;
  peakRssKib: number;
  roundTrips: [RateResult, RateResult];
}

async function benchHost(children: ChildSet): Promise<HostFigures> {
  const host = await startHost(children, "bench1", "127.0.0.1");
  const client = connectHost(host.address);
  try {
    await infoHostId(client);
    await sleep(SETTLE_MS);
    const idleRssKib = procStatusKib(host.pid, "VmRSS");
    const domids: number[] = [];
    for (let i = 0; i < IDLE_DOMU_COUNT; i++) domids.push(await createDomain(client, `idle${i}`));
    await sleep(SETTLE_MS);
    const domuRssKib = procStatusKib(host.pid, "VmRSS");
    for (const domid of domids) await destroyDomain(client, domid);
    const one = await measureRate(createDestroyOp(client, "one"), rateOptions(1));
    const many = await measureRate(createDestroyOp(client, "many"), rateOptions(CONCURRENCY_HIGH));
    await sleep(SETTLE_MS);
    const afterRssKib = procStatusKib(host.pid, "VmRSS");
    const peakRssKib = procStatusKib(host.pid, "VmHWM");
    return { idleRssKib, domuRssKib, afterRssKib, peakRssKib, roundTrips: [one, many] };
  } finally {
    client.close();
    await children.stop(host.process);
  }
}

interface SideBySideFigures {
  answeredCount: number;
  startMs: number;
  rssKib: number[];
  stopMs: number;
}

/** N host services at once, each on its own loopback address 127.0.1.N; all must answer Info. */
async function benchSideBySide(children: ChildSet): Promise<SideBySideFigures> {
  const started = performance.now();
  const hostIds = Array.from({ length: SIDE_BY_SIDE_HOST_COUNT }, (_, i) => `host${i + 1}`);
  const hosts = await Promise.all(hostIds.map((id, i) => startHost(children, id, `127.0.1.${i + 1}`)));
  const clients = hosts.map((host) => connectHost(host.address));
  try {
    const answers = await Promise.all(clients.map((client) => infoHostId(client)));
    const answeredCount = answers.filter((hostId, i) => hostId === hostIds[i]).length;
    const startMs = performance.now() - started;
    await sleep(SETTLE_MS);
    const rssKib = hosts.map((host) => procStatusKib(host.pid, "VmRSS"));
    const stopStarted = performance.now();
    for (const client of clients) client.close();
    await Promise.all(hosts.map((host) => children.stop(host.process)));
    return { answeredCount, startMs, rssKib, stopMs: performance.now() - stopStarted };
  } finally {
    for (const client of clients) client.close();
  }
}

function rows(noop: [RateResult, RateResult], host: HostFigures, side: SideBySideFigures): Row[] {
  const [rt1, rt64] = host.roundTrips;
  const rssTotalKib = side.rssKib.reduce((a, b) => a + b, 0);
  const count = SIDE_BY_SIDE_HOST_COUNT;
  return [
    { figure: "no-op grpc-js call, 1 in flight", value: formatLatency(noop[0]) },
    { figure: `no-op grpc-js call, ${CONCURRENCY_HIGH} in flight`, value: formatLatency(noop[1]) },
    { figure: "create+destroy round trip, 1 in flight", value: formatLatency(rt1) },
    {
      figure: `create+destroy round trip, ${CONCURRENCY_HIGH} in flight`,
      value: formatLatency(rt64),
      goal: `>= ${formatRate(ROUND_TRIPS_PER_SECOND_GOAL)}`,
      met: rt64.opsPerSecond >= ROUND_TRIPS_PER_SECOND_GOAL,
    },
    {
      figure: "round trips / no-op calls, 1 in flight",
      value: (rt1.opsPerSecond / noop[0].opsPerSecond).toFixed(3),
    },
    {
      figure: `round trips / no-op calls, ${CONCURRENCY_HIGH} in flight`,
      value: (rt64.opsPerSecond / noop[1].opsPerSecond).toFixed(3),
    },
    {
      figure: "host RSS, idle",
      value: formatMb(host.idleRssKib),
      goal: `< ${IDLE_RSS_BYTES_GOAL / 1e6} MB`,
      met: host.idleRssKib * 1024 < IDLE_RSS_BYTES_GOAL,
    },
    {
      figure: `host RSS, ${IDLE_DOMU_COUNT} idle DomUs of ${BENCH_DOMAIN_MEMORY_MIB} MiB`,
      value: formatMb(host.domuRssKib),
    },
    {
      figure: "host RSS after the round trips (peak)",
      value: `${formatMb(host.afterRssKib)} (${formatMb(host.peakRssKib)})`,
    },
    {
      figure: `${count} hosts side by side, answering Info`,
      value: `${side.answeredCount}/${count} in ${(side.startMs / 1000).toFixed(2)} s`,
      goal: `${count} hosts`,
      met: side.answeredCount === count,
    },
    {
      figure: `${count} hosts: RSS total (mean, max)`,
      value: `${formatMb(rssTotalKib)} (${formatMb(rssTotalKib / count)}, ${formatMb(Math.max(...side.rssKib))})`,
    },
    { figure: `${count} hosts: stopped in`, value: `${(side.stopMs / 1000).toFixed(2)} s` },
  ];
}

async function main(): Promise<void> {
  const children = new ChildSet();
  process.on("exit", () => children.killAllNow());
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  process.stdout.write(
    `xensim bench:host  node ${process.version}  cpus ${cpus().length}  ` +
      `warmup ${WARMUP_MS} ms, ${DURATION_MS} ms per figure\n\n`,
  );
  try {
    const noop = await benchNoop(children);
    const host = await benchHost(children);
    const side = await benchSideBySide(children);
    process.stdout.write(`${formatTable(rows(noop, host, side))}\n`);
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
