import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildSet } from "./children.js";
import {
  BenchHostClient,
  createDestroyOp,
  createDomain,
  destroyDomain,
  infoHostId,
  startHost,
} from "./host-ops.js";
import { measureWithCpu, type Measured } from "./measured.js";
import { connectNoop, noopCall } from "./noop-service.js";
import { processCpuMs, procStatusKib } from "./proc.js";
import type { RateOptions } from "./rate.js";
import type { BenchPki } from "./bench-pki.js";

const NOOP_SERVER_PATH = join(import.meta.dirname, "noop-server.js");

export interface PhaseOptions {
  /** Concurrencies to measure, e.g. [1, 64]. */
  concurrencies: readonly number[];
  rate: (concurrency: number) => RateOptions;
  settleMs: number;
}

export interface HostFigures {
  idleRssKib: number;
  idleDomuRssKib: number;
  afterRssKib: number;
  peakRssKib: number;
  roundTrips: Measured[];
  /** The same round trips to a second host with the cluster's TLS, each right after those without. */
  roundTripsTls: Measured[];
  /**
   * The baseline, interleaved with the round trips (so the load of the machine weighs on both
   * alike): a bare grpc-js unary call to a no-op server in its own process.
   */
  noopCalls: Measured[];
}

/** The host id of bench:host's TLS host (bench/bench-pki.ts issues its certificate). */
export const TLS_BENCH_HOST_ID = "benchtls";
/** Round trips (each way) and no-op calls are measured this many times, interleaved, and the median run is kept. */
export const TLS_COMPARISON_ROUND_COUNT = 3;

/** The run with the median rate (of an odd count). */
function medianByRate(runs: readonly Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.rate.opsPerSecond - b.rate.opsPerSecond);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error("bench: no run to take the median of");
  return middle;
}

/**
 * One host service: RSS idle and with idle DomUs, then create+destroy round trips, each
 * concurrency measured without TLS and then against a second host with the cluster's TLS.
 */
export async function benchHost(
  children: ChildSet,
  options: PhaseOptions,
  idleDomuCount: number,
  pki: BenchPki,
): Promise<HostFigures> {
  const host = await startHost(children, "bench1", "127.0.0.1", pki.hostArgs("insecure", "bench1"));
  const client = new BenchHostClient(host.address, pki.security("insecure"));
  const tlsHost = await startHost(
    children,
    TLS_BENCH_HOST_ID,
    "127.0.0.2",
    pki.hostArgs("tls", TLS_BENCH_HOST_ID),
  );
  const tlsClient = new BenchHostClient(tlsHost.address, pki.security("tls"));
  const noopServer = await children.startNode("noop-server", NOOP_SERVER_PATH, ["127.0.0.3:0"]);
  const noopClient = connectNoop(noopServer.address);
  try {
    await infoHostId(tlsClient);
    await infoHostId(client);
    await sleep(options.settleMs);
    const idleRssKib = procStatusKib(host.pid, "VmRSS");
    const domids: number[] = [];
    for (let i = 0; i < idleDomuCount; i++) domids.push(await createDomain(client, `idle${i}`));
    await sleep(options.settleMs);
    const idleDomuRssKib = procStatusKib(host.pid, "VmRSS");
    for (const domid of domids) await destroyDomain(client, domid);
    const roundTrips: Measured[] = [];
    const roundTripsTls: Measured[] = [];
    const noopCalls: Measured[] = [];
    for (const concurrency of options.concurrencies) {
      const noop = { op: () => noopCall(noopClient), pid: noopServer.pid, runs: [] as Measured[] };
      const plain = {
        op: createDestroyOp(client, `rt${concurrency}-`),
        pid: host.pid,
        runs: [] as Measured[],
      };
      const tls = {
        op: createDestroyOp(tlsClient, `rt${concurrency}-`),
        pid: tlsHost.pid,
        runs: [] as Measured[],
      };
      // Interleaved, the order turned each time, so drift and warm-up weigh on all alike.
      const sides = [plain, tls, noop];
      for (let round = 0; round < TLS_COMPARISON_ROUND_COUNT; round++)
        for (let i = 0; i < sides.length; i++) {
          const side = sides[(i + round) % sides.length]!;
          side.runs.push(await measureWithCpu(side.op, options.rate(concurrency), side.pid));
        }
      roundTrips.push(medianByRate(plain.runs));
      roundTripsTls.push(medianByRate(tls.runs));
      noopCalls.push(medianByRate(noop.runs));
    }
    await sleep(options.settleMs);
    const afterRssKib = procStatusKib(host.pid, "VmRSS");
    const peakRssKib = procStatusKib(host.pid, "VmHWM");
    return { idleRssKib, idleDomuRssKib, afterRssKib, peakRssKib, roundTrips, roundTripsTls, noopCalls };
  } finally {
    client.close();
    tlsClient.close();
    noopClient.close();
    await children.stop(noopServer.process);
    await children.stop(host.process);
    await children.stop(tlsHost.process);
  }
}

export interface SideBySideFigures {
  answeredCount: number;
  startMs: number;
  rssKib: number[];
  /** CPU the idle hosts used together over `idleWindowMs`, in percent of one CPU. */
  idleCpuPercent: number;
  stopMs: number;
}

export interface IdleBaselineFigures {
  /** CPU N bare grpc-js servers used together while idle, in percent of one CPU. */
  idleCpuPercent: number;
  rssKib: number[];
}

/** CPU the processes used together over `windowMs`, in percent of one CPU. */
async function idleCpuPercent(pids: readonly number[], windowMs: number): Promise<number> {
  const cpuMsBefore = pids.map((pid) => processCpuMs(pid));
  await sleep(windowMs);
  const cpuMs = pids.reduce((sum, pid, i) => sum + processCpuMs(pid) - (cpuMsBefore[i] ?? 0), 0);
  return (100 * cpuMs) / windowMs;
}

/** The idle floor, in the same run: N bare grpc-js servers (node + grpc-js, nothing else) side by side. */
export async function benchIdleBaseline(
  children: ChildSet,
  serverCount: number,
  settleMs: number,
  idleWindowMs: number,
): Promise<IdleBaselineFigures> {
  const servers = await Promise.all(
    Array.from({ length: serverCount }, (_, i) =>
      children.startNode(`noop${i + 1}`, NOOP_SERVER_PATH, [`127.0.1.${i + 1}:0`]),
    ),
  );
  try {
    await sleep(settleMs);
    const pids = servers.map((server) => server.pid);
    const cpuPercent = await idleCpuPercent(pids, idleWindowMs);
    return { idleCpuPercent: cpuPercent, rssKib: pids.map((pid) => procStatusKib(pid, "VmRSS")) };
  } finally {
    await Promise.all(servers.map((server) => children.stop(server.process)));
  }
}

/** N host services at once, each on its own loopback address 127.0.1.N; all must answer Info. */
export async function benchSideBySide(
  children: ChildSet,
  hostCount: number,
  settleMs: number,
  idleWindowMs: number,
): Promise<SideBySideFigures> {
  const started = performance.now();
  const hostIds = Array.from({ length: hostCount }, (_, i) => `host${i + 1}`);
  const hosts = await Promise.all(hostIds.map((id, i) => startHost(children, id, `127.0.1.${i + 1}`)));
  const clients = hosts.map((host) => new BenchHostClient(host.address));
  try {
    const answers = await Promise.all(clients.map((client) => infoHostId(client)));
    const answeredCount = answers.filter((hostId, i) => hostId === hostIds[i]).length;
    const startMs = performance.now() - started;
    await sleep(settleMs);
    const cpuPercent = await idleCpuPercent(
      hosts.map((host) => host.pid),
      idleWindowMs,
    );
    const rssKib = hosts.map((host) => procStatusKib(host.pid, "VmRSS"));
    const stopStarted = performance.now();
    await Promise.all(hosts.map((host) => children.stop(host.process)));
    return {
      answeredCount,
      startMs,
      rssKib,
      idleCpuPercent: cpuPercent,
      stopMs: performance.now() - stopStarted,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
