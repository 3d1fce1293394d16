import { checkModelCount, checkModelNumber } from "./model-input.js";

/**
 * The linear (constant dirty rate) pre-copy model in closed form (comparables.md §5; Clark et al.
 * NSDI'05, Liu et al. HPDC'11). Round i sends V_i = M λ^i with λ = D/B; V_0 = M is the full copy.
 */
export interface LinearModelInput {
  /** M */
  memoryBytes: number;
  /** B */
  bandwidthBytesPerSecond: number;
  /** D */
  dirtyBytesPerSecond: number;
  /** V_th: pre-copy stops once the next round's volume is <= this. */
  thresholdBytes: number;
  /** n_max: the most live rounds, the full copy included (Xen: 5). */
  iterationCountMax: number;
}

export interface LinearModelResult {
  /**
   * n: live rounds, the full copy included. The comparables' rounds i = 0..n-1 are live (xensim's
   * rounds 1..n) and round i = n (xensim's round n + 1) is the stop-and-copy round.
   */
  precopyRoundCount: number;
  /** V_0..V_n: n + 1 entries, the last one sent with the guest paused. */
  roundBytes: number[];
  bytesSentTotal: number;
  totalMs: number;
  downtimeMs: number;
}

/** n = min(ceil(ln(V_th/M) / ln λ), n_max), at least 1: the full copy is always sent live. */
export function linearPrecopyRoundCount(input: LinearModelInput): number {
  const { memoryBytes, thresholdBytes, iterationCountMax } = input;
  const lambda = input.dirtyBytesPerSecond / input.bandwidthBytesPerSecond;
  if (memoryBytes * lambda <= thresholdBytes) return 1;
  if (lambda >= 1 || thresholdBytes <= 0) return iterationCountMax;
  const n = Math.ceil(Math.log(thresholdBytes / memoryBytes) / Math.log(lambda));
  return Math.min(Math.max(1, n), iterationCountMax);
}

export function linearModel(input: LinearModelInput): LinearModelResult {
  const memoryBytes = checkModelNumber("memoryBytes", input.memoryBytes, 0, false);
  const bandwidth = checkModelNumber("bandwidthBytesPerSecond", input.bandwidthBytesPerSecond, 0, false);
  const lambda = checkModelNumber("dirtyBytesPerSecond", input.dirtyBytesPerSecond, 0, true) / bandwidth;
  checkModelNumber("thresholdBytes", input.thresholdBytes, 0, true);
  checkModelCount("iterationCountMax", input.iterationCountMax, 1);
  const n = linearPrecopyRoundCount(input);
  const roundBytes = Array.from({ length: n + 1 }, (_, i) => memoryBytes * lambda ** i);
  // Σ_{i=0..n} M λ^i = M (1 - λ^(n+1)) / (1 - λ)
  const bytesSentTotal =
    lambda === 1 ? memoryBytes * (n + 1) : (memoryBytes * (1 - lambda ** (n + 1))) / (1 - lambda);
  return {
    precopyRoundCount: n,
    roundBytes,
    bytesSentTotal,
    totalMs: (bytesSentTotal / bandwidth) * 1000,
    downtimeMs: ((memoryBytes * lambda ** n) / bandwidth) * 1000,
  };
}
