import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { MIGRATION_SUFFIXES } from "../../support/migration-cluster.js";
import type { SamplerRead } from "../../../services/wiring/domain-sampler.js";
import { HOST_SERVICES, observedAddress, PKI_MOUNT, type ComposeCluster } from "./compose-cluster.js";
import { docker } from "./docker-engine.js";

/** The pace of the reads of one host: 40 a second, so that a loaded machine still gives more than 10. */
export const SAMPLER_INTERVAL_MS = 25;
/** The sampler's process in the xsim image (services/wiring/domain-sampler-main.ts). */
const SAMPLER_ENTRY = "dist/services/wiring/domain-sampler-main.js";
/** Container start on a loaded machine, then the first read of every host. */
const SAMPLER_START_TIMEOUT_MS = 60_000;
/** How long a lister waits for the sampler's next read of its host. */
const NEXT_READ_TIMEOUT_MS = 15_000;
const POLL_MS = 10;

/** A domain as one host lists it. */
export interface ListedDomain {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
  /** xl list's state, e.g. "r-----", "--p---". */
  readonly state: string;
}

/** Reads one host's domains (Dom0 included) by some path that still reaches it. */
export interface HostLister {
  readonly hostId: string;
  list(): Promise<ListedDomain[]>;
}

function listedIn(read: SamplerRead): ListedDomain[] {
  return (read.domains ?? []).map(([domid, name, uuid, state]) => ({ domid, name, uuid, state }));
}

/** Running: none of xl's paused, shutdown, crashed or dying flags. */
export function isRunning(state: string): boolean {
  return !/[pscd]/.test(state);
}

/** The keys a guest keeps across a migration and a restart: its name without the suffix, its uuid. */
function keysOf(domain: ListedDomain): string[] {
  let name = domain.name;
  for (const suffix of MIGRATION_SUFFIXES) if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
  return [`name ${name}`, `uuid ${domain.uuid}`];
}

/** Where a guest surely ran without a break: between two reads of one host that both saw it running. */
interface RunSpan {
  readonly host: string;
  readonly domid: number;
  readonly fromMs: number;
  readonly toMs: number;
}

function byHost(reads: readonly SamplerRead[]): Map<string, SamplerRead[]> {
  const hosts = new Map<string, SamplerRead[]>();
  for (const read of reads) {
    if (read.error !== undefined) continue;
    const list = hosts.get(read.host) ?? [];
    list.push(read);
    hosts.set(read.host, list);
  }
  for (const list of hosts.values()) list.sort((a, b) => a.sentMs - b.sentMs);
  return hosts;
}

/** key -> domid it runs as, in one read. */
function runningKeys(read: SamplerRead): Map<string, number> {
  const keys = new Map<string, number>();
  for (const domain of listedIn(read))
    if (domain.domid !== 0 && isRunning(domain.state))
      for (const key of keysOf(domain)) keys.set(key, domain.domid);
  return keys;
}

/**
 * Every guest that ran on two hosts at once, by the sampler's reads. A read says only that the
 * guest ran at some instant between sending and receiving it; two reads of host A in a row that
 * both saw it running (same domid) say it ran all the time between them. A double is a read of
 * host B that saw the guest running while it surely ran on A: sound (a guest that moved, or was
 * restarted after its host fenced, never shows), and sure to catch a double run lasting longer
 * than about two read intervals of A and one read of B (some 100 ms at 25 ms, more on a loaded machine).
 */
export function runningDoubles(reads: readonly SamplerRead[]): string[] {
  const spans = new Map<string, RunSpan[]>();
  const hosts = byHost(reads);
  for (const [host, list] of hosts)
    for (let i = 1; i < list.length; i++) {
      const before = runningKeys(list[i - 1]!);
      for (const [key, domid] of runningKeys(list[i]!)) {
        if (before.get(key) !== domid) continue;
        const span = { host, domid, fromMs: list[i - 1]!.receivedMs, toMs: list[i]!.sentMs };
        spans.set(key, [...(spans.get(key) ?? []), span]);
      }
    }
  const doubles = new Set<string>();
  for (const [host, list] of hosts)
    for (const read of list)
      for (const key of runningKeys(read).keys())
        for (const span of spans.get(key) ?? [])
          if (span.host !== host && span.fromMs <= read.sentMs && read.receivedMs <= span.toMs)
            doubles.add(`${key} ran on ${span.host} and ${host} at ${new Date(read.sentMs).toISOString()}`);
  return [...doubles];
}

/** How often the sampler read one host, measured from its reads. */
export interface HostReadRate {
  readonly host: string;
  readonly reads: number;
  readonly failed: number;
  /** Successful reads per second between the host's first and last successful read. */
  readonly perSecond: number;
  /** The median and the longest time between two successful reads in a row (sending times). */
  readonly medianGapMs: number;
  readonly longestGapMs: number;
}

export function readRates(reads: readonly SamplerRead[]): HostReadRate[] {
  const ok = byHost(reads);
  const hosts = [...new Set(reads.map((r) => r.host))].sort();
  return hosts.map((host) => {
    const list = ok.get(host) ?? [];
    const gaps = list.slice(1).map((read, i) => read.sentMs - list[i]!.sentMs);
    gaps.sort((a, b) => a - b);
    const spanMs = list.length > 1 ? list.at(-1)!.sentMs - list[0]!.sentMs : 0;
    return {
      host,
      reads: list.length,
      failed: reads.filter((r) => r.host === host && r.error !== undefined).length,
      perSecond: spanMs > 0 ? ((list.length - 1) * 1000) / spanMs : 0,
      medianGapMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
      longestGapMs: gaps.at(-1) ?? 0,
    };
  });
}

export function formatRates(rates: readonly HostReadRate[]): string {
  const parts = rates.map(
    (r) =>
      `${r.host} ${r.reads} reads (${r.failed} failed), ${r.perSecond.toFixed(1)}/s, ` +
      `median gap ${r.medianGapMs} ms, longest ${r.longestGapMs} ms`,
  );
  return `double-run sampler (measured): ${parts.join("; ")}`;
}

function lists(read: SamplerRead, name: string): boolean {
  return listedIn(read).some((d) => d.name === name);
}

/**
 * When `name` first showed up on any of `hosts`: the sending time of that host's last read without
 * it (the guest was created after that instant) and of the first read with it.
 */
export function arrivalOf(
  reads: readonly SamplerRead[],
  hosts: readonly string[],
  name: string,
): { host: string; absentSentMs: number; presentSentMs: number } | undefined {
  let first: { host: string; absentSentMs: number; presentSentMs: number } | undefined;
  for (const [host, list] of byHost(reads)) {
    if (!hosts.includes(host)) continue;
    const index = list.findIndex((r) => lists(r, name));
    if (index < 1) continue;
    const arrival = { host, absentSentMs: list[index - 1]!.sentMs, presentSentMs: list[index]!.sentMs };
    if (!first || arrival.presentSentMs < first.presentSentMs) first = arrival;
  }
  return first;
}

/** The receiving time of `host`'s first read without `name` after reads with it (it was gone by then). */
export function departureOf(reads: readonly SamplerRead[], host: string, name: string): number | undefined {
  const list = byHost(reads).get(host) ?? [];
  let last = -1;
  for (const [index, read] of list.entries()) if (lists(read, name)) last = index;
  return last >= 0 ? list[last + 1]?.receivedMs : undefined;
}

export interface DoubleRunReport {
  readonly reads: readonly SamplerRead[];
  /** Every guest seen running on two hosts at once (runningDoubles). */
  readonly doubles: string[];
  readonly rates: HostReadRate[];
}

export interface ClusterSampler {
  readonly reads: readonly SamplerRead[];
  /** A lister whose list() is the sampler's first read of that host sent after the call. */
  lister(hostId: string): HostLister;
  stop(): Promise<DoubleRunReport>;
}

/**
 * Starts the sampler in a container of the xsim image on the cluster's observer networks: it reads
 * every host's domain list over gRPC every SAMPLER_INTERVAL_MS, each host on its own loop, and
 * prints a line per read, which this process collects. Resolves once every host was read once.
 */
export async function startClusterSampler(cluster: ComposeCluster): Promise<ClusterSampler> {
  const name = `${cluster.projectName}_sampler_${randomBytes(3).toString("hex")}`;
  const image = process.env.XSIM_IMAGE ?? "xsim:local";
  const targets = HOST_SERVICES.map((service) => `${service}=${observedAddress(service)}`);
  const [firstNetwork, ...otherNetworks] = cluster.observerNetworks;
  if (!firstNetwork) throw new Error(`${cluster.projectName} has no observer network`);
  const pki = ["-v", `${cluster.pkiVolume}:${PKI_MOUNT}:ro`, "-e", `XSIM_PKI=${PKI_MOUNT}`];
  const args = ["create", "--rm", "--init", "--name", name, "--network", firstNetwork, ...pki, image];
  const command = ["node", SAMPLER_ENTRY, "--interval-ms", String(SAMPLER_INTERVAL_MS), ...targets];
  docker([...args, ...command]);
  for (const network of otherNetworks) docker(["network", "connect", network, name]);
  const child = spawn("docker", ["start", "--attach", name], { stdio: ["ignore", "pipe", "pipe"] });
  const reads: SamplerRead[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => reads.push(JSON.parse(line) as SamplerRead));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  await waitFor(
    () => HOST_SERVICES.every((host) => reads.some((r) => r.host === host && !r.error)),
    SAMPLER_START_TIMEOUT_MS,
    () => `the sampler read not every host: ${stderr}`,
  );
  return {
    reads,
    lister: (hostId) => ({
      hostId,
      list: async () => {
        const since = Date.now();
        let read: SamplerRead | undefined;
        await waitFor(
          () => (read = reads.find((r) => r.host === hostId && r.sentMs >= since)) !== undefined,
          NEXT_READ_TIMEOUT_MS,
          () => `the sampler has not read ${hostId} since ${new Date(since).toISOString()}`,
        );
        if (read?.error !== undefined) throw new Error(`${hostId}: ${read.error}`);
        return read ? listedIn(read) : [];
      },
    }),
    stop: async () => {
      docker(["stop", "-t", "5", name]);
      await exited;
      return { reads, doubles: runningDoubles(reads), rates: readRates(reads) };
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
