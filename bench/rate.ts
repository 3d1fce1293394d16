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

/** Runs `op` with the same concurrency for `warmupMs`, so JIT and connections are warm. */
export async function warmUp(op: () => Promise<void>, options: RateOptions): Promise<void> {
  checkOptions(options);
  await runPhase(op, options.concurrency, options.warmupMs, options.opCountMax);
}

/** Runs `op` with `concurrency` in flight for `durationMs` (or `opCountMax` ops) and reports the rate. */
export async function measure(op: () => Promise<void>, options: RateOptions): Promise<RateResult> {
  checkOptions(options);
  const started = performance.now();
  const latenciesMs = await runPhase(op, options.concurrency, options.durationMs, options.opCountMax);
  return summarize(latenciesMs, performance.now() - started);
}

function checkOptions(options: RateOptions): void {
  if (options.concurrency < 1 || options.opCountMax < options.concurrency)
    throw new Error(`rate: bad options ${JSON.stringify(options)}`);
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

export function summarize(latenciesMs: readonly number[], elapsedMs: number): RateResult {
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
