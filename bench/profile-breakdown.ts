import { Session } from "node:inspector/promises";

// Where a run's time went, measured: V8's sampling CPU profiler (the one `node --cpu-prof` uses)
// runs in-process around the measured part, and each sample's time goes to the function on top of
// the stack (its self time), grouped by what the code is. It samples the main thread only: with the
// store worker (store-worker.ts) the guests' stores and their page faults happen on another thread,
// and "guest page writes" is what the main thread pays for them (draws, bits, queueing, waiting).

/** A part of the simulation, recognised by the source file (or V8's pseudo-function) that ran. */
export interface BreakdownPart {
  label: string;
  /** Matched against "url functionName" of the frame on top of the stack. */
  match: RegExp;
}

/** The busy cluster's parts; the first that matches wins, unmatched samples are "other". */
export const BUSY_BREAKDOWN_PARTS: readonly BreakdownPart[] = [
  {
    label: "guest page writes (workloads, real bytes, queueing to the store worker)",
    match:
      /\/core\/workload\/|\/core\/memory\/(guest-memory|page-store|page-bitmap|store-worker)\.js|\/core\/prng\.js/,
  },
  {
    label: "guest memory chunks: zeroing, allocation",
    match: /\/core\/memory\/chunk-pool\.js|^node:(internal\/)?buffer /,
  },
  {
    label: "host ticks and credit2 (CPU shares, decisions, events)",
    match: /\/core\/sched\/|\/core\/(cpu-share|hypervisor|domain)\.js|\/host\/host\.js/,
  },
  {
    label: "migration streams and checksums",
    match: /\/dom0\/(migrate|stream)\/|\/transport\/memory\/|\/core\/memory\/xxhash\.js/,
  },
  { label: "garbage collection", match: /\(garbage collector\)$/ },
  { label: "sim clock, network, bus", match: /\/core\/(clock|simulation)\.js|\/services\/sim\// },
  { label: "cluster scheduler (placement, reconcile, heartbeats)", match: /\/services\/scheduler\// },
];

export const OTHER_LABEL = "other (toolstack, xenstore, node internals)";

/** The parts of V8's profile format used here (Profiler.Profile). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface BreakdownShare {
  label: string;
  /** Sampled time attributed to the part, ms. */
  ms: number;
  /** Its share of all sampled time. */
  fraction: number;
}

/** Sums each sample's time into the first part whose pattern matches its frame; largest first. */
export function breakdownOf(profile: CpuProfile, parts: readonly BreakdownPart[]): BreakdownShare[] {
  const labelByNode = new Map<number, string>();
  for (const node of profile.nodes) {
    const frame = `${node.callFrame.url} ${node.callFrame.functionName}`;
    labelByNode.set(node.id, parts.find((part) => part.match.test(frame))?.label ?? OTHER_LABEL);
  }
  const usByLabel = new Map<string, number>();
  let usTotal = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const us = Math.max(0, deltas[i] ?? 0);
    const label = labelByNode.get(samples[i]!) ?? OTHER_LABEL;
    usByLabel.set(label, (usByLabel.get(label) ?? 0) + us);
    usTotal += us;
  }
  return [...usByLabel]
    .map(([label, us]) => ({ label, ms: us / 1000, fraction: usTotal > 0 ? us / usTotal : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** Runs `work` under the sampling profiler and returns its result with the profile. */
export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
    const result = await work();
    const { profile } = await session.post("Profiler.stop");
    return { result, profile };
  } finally {
    session.disconnect();
  }
}
