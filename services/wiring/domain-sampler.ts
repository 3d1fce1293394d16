/**
 * The double-run sampler's reading side (tests/containers): reads every given host's domain list
 * over gRPC every `intervalMs`, each host on its own loop so that a dead or cut-off host does not
 * slow the others, and writes one JSON line per read. Run inside the cluster's network, next to the
 * hosts (`node dist/services/wiring/domain-sampler-main.js --interval-ms 50 host1=host1:50051 ...`);
 * tests/containers/support/double-run-sampler.ts reads the lines and looks for a guest running on
 * two hosts at once. Every time is the sampler's wall clock (Date.now(), ms since the epoch).
 */
import { connectHost, unaryCall } from "../transport/grpc/host-client.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";

/** A read that takes longer than this counts as failed, and the host's loop goes on. */
export const SAMPLER_READ_DEADLINE_MS = 2_000;
/** 20 reads a second of each host by default, twice the 10 the container tests need. */
export const SAMPLER_INTERVAL_MS_DEFAULT = 50;
const INTERVAL_MS_MAX = 10_000;

/** One host to read: the name the lines carry and the address the sampler reaches it at. */
export interface SamplerTarget {
  readonly hostId: string;
  readonly address: string;
}

/** One line of the sampler's output. */
export interface SamplerRead {
  readonly host: string;
  readonly sentMs: number;
  readonly receivedMs: number;
  /** [domid, name, uuid, xl state], Dom0 included; absent when the read failed. */
  readonly domains?: Array<[number, string, string, string]>;
  readonly error?: string;
}

export interface SamplerOptions {
  readonly targets: readonly SamplerTarget[];
  readonly intervalMs: number;
  readonly write: (read: SamplerRead) => void;
}

/** `--interval-ms N HOST=ADDRESS:PORT...`; throws a message naming the bad argument. */
export function parseSamplerArgs(argv: readonly string[]): { targets: SamplerTarget[]; intervalMs: number } {
  let intervalMs = SAMPLER_INTERVAL_MS_DEFAULT;
  const targets: SamplerTarget[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--interval-ms") {
      const text = argv[++i] ?? "";
      intervalMs = Number(text);
      if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > INTERVAL_MS_MAX)
        throw new Error(`--interval-ms "${text}": give a whole number of ms from 1 to ${INTERVAL_MS_MAX}`);
      continue;
    }
    const match = /^([A-Za-z0-9_-]+)=(\S+:\d+)$/.exec(arg);
    if (!match) throw new Error(`"${arg}": give each host as HOST=ADDRESS:PORT`);
    targets.push({ hostId: match[1] ?? "", address: match[2] ?? "" });
  }
  if (targets.length === 0) throw new Error("give at least one HOST=ADDRESS:PORT to read");
  return { targets, intervalMs };
}

function readLine(hostId: string, sentMs: number, domains: DomainInfo[]): SamplerRead {
  return {
    host: hostId,
    sentMs,
    receivedMs: Date.now(),
    domains: domains.map((d) => [d.domid, d.name, d.uuid, d.state]),
  };
}

/** Starts one loop per target; `stop()` ends them after their current read. */
export function startDomainSampler(options: SamplerOptions): { stop(): Promise<void> } {
  let running = true;
  const loops = options.targets.map(async (target) => {
    const client = connectHost(target.address);
    try {
      while (running) {
        const sentMs = Date.now();
        try {
          const deadline = new Date(sentMs + SAMPLER_READ_DEADLINE_MS);
          const reply = await unaryCall(client.list.bind(client), { domains: [] }, { deadline });
          options.write(readLine(target.hostId, sentMs, reply.domains));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          options.write({ host: target.hostId, sentMs, receivedMs: Date.now(), error: message });
        }
        const waitMs = sentMs + options.intervalMs - Date.now();
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    } finally {
      client.close();
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
