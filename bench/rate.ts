import { performance } from "node:perf_hooks";

export interface RateOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** A bound on operations per phase, whatever the duration. */
  opCountMax: number;
}

export interface RateResult {
  opCount: number;
  elapsedMs: number;
  opsPerSecond: number;
  latencyMsP50: number;
  latencyMsP99: number;
}

/** Warms up, then runs `op` with `concurrency` in flight for `durationMs` and reports the rate. */
export async function measureRate(op: () => Promise<void>, options: RateOptions): Promise<RateResult> {
  if (options.concurrency < 1 || options.opCountMax < options.concurrency)
    throw new Error(`measureRate: bad options ${JSON.stringify(options)}`);
  await runPhase(op, options.concurrency, options.warmupMs, options.opCountMax);
  const started = performance.now();
  const latenciesMs = await runPhase(op, options.concurrency, options.durationMs, options.opCountMax);
  const elapsedMs = performance.now() - started;
  return summarize(latenciesMs, elapsedMs);
}

/** Keeps `concurrency` operations in flight until the deadline or the count bound; returns latencies. */
async function runPhase(
  op: () => Promise<void>,
  concurrency: number,
  durationMs: number,
  opCountMax: number,
): Promise<number[]> {
  const deadline = performance.now() + durationMs;
  const latenciesMs: number[] = [];
  let startedCount = 0;
  const worker = async () => {
    while (performance.now() < deadline && startedCount < opCountMax) {
      startedCount++;
      const opStart = performance.now();
      await op();
      latenciesMs.push(performance.now() - opStart);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latenciesMs;
}

export function summarize(latenciesMs: number[], elapsedMs: number): RateResult {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    opCount: sorted.length,
    elapsedMs,
    opsPerSecond: elapsedMs > 0 ? (sorted.length * 1000) / elapsedMs : 0,
    latencyMsP50: quantile(0.5),
    latencyMsP99: quantile(0.99),
  };
}
