import {
  channelCredentials,
  clusterChannelOptions,
} from "../../services/transport/tls/cluster-credentials.js";
import { HaClient, type HaState } from "../../services/gen/xensim/v1/ha.js";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import { testCall } from "./test-call.js";
import type { DomainInfo } from "../../services/gen/xensim/v1/host.js";
import type { TestHost } from "./migration-cluster.js";
import type { SchedulerProcess } from "./scheduler-process.js";
import { cfg } from "./scheduler-cluster.js";

/** How often the fault tests look at every host's domain list. */
export const SAMPLE_INTERVAL_MS = 100;
/** A List that does not answer in this long (a stopped host) counts as "unknown" for that sample. */
const LIST_DEADLINE_MS = 1000;

/** The scheduler's Ha service as the operator (the test cluster's credentials). */
export function haClient(schedulerAddress: string): HaClient {
  return new HaClient(schedulerAddress, channelCredentials(["scheduler"]), clusterChannelOptions());
}

export async function haEnable(scheduler: SchedulerProcess, timeoutMs: number): Promise<HaState> {
  const client = haClient(scheduler.address);
  try {
    return await testCall("ha-enable", client.enable.bind(client), { timeoutMs, allowShortTimeout: true });
  } finally {
    client.close();
  }
}

export async function haStatus(scheduler: SchedulerProcess): Promise<HaState> {
  const client = haClient(scheduler.address);
  try {
    return await testCall("ha-status", client.status.bind(client), {});
  } finally {
    client.close();
  }
}

export async function listWithin(
  host: TestHost,
  deadlineMs = LIST_DEADLINE_MS,
): Promise<DomainInfo[] | undefined> {
  const c = host.process.client;
  try {
    const reply = await unaryCall(c.list.bind(c), { domains: [] }, { deadline: Date.now() + deadlineMs });
    return reply.domains.filter((d) => d.domid !== 0);
  } catch {
    return undefined;
  }
}

export async function createGuest(
  host: TestHost,
  name: string,
  options: { ha?: "restart" | "best-effort"; paused?: boolean } = {},
): Promise<DomainInfo> {
  const c = host.process.client;
  const extra: Record<string, string> = { xsim_workload: "uniform:rate=200" };
  if (options.ha) extra.xsim_ha = options.ha;
  const reply = await testCall(`create ${name} on ${host.hostId}`, c.create.bind(c), {
    configText: cfg(name, 32, extra),
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: options.paused === true,
  });
  if (!reply.domain) throw new Error(`create ${name}: no domain in the reply`);
  return reply.domain;
}

export async function checksumOf(host: TestHost, name: string): Promise<string> {
  const c = host.process.client;
  const reply = await testCall(`checksum of ${name} on ${host.hostId}`, c.memoryChecksum.bind(c), {
    domain: name,
  });
  return String(reply.checksum);
}

/** What the sampler saw during a fault. */
export interface SampleReport {
  sampleCount: number;
  /** A guest (uuid) not paused on two hosts in one sample: it ran twice. */
  duplicates: string[];
  /** A guest expected to stay where it was, seen elsewhere or missing from its host's answer. */
  moved: string[];
  /** uuid → hosts it was ever seen on (not paused). */
  seenOn: Map<string, Set<string>>;
  /** uuid → first time (Date.now) it was seen not paused on a host other than where it started. */
  firstElsewhereMs: Map<string, number>;
}

/**
 * Samples every host's List every SAMPLE_INTERVAL_MS while a fault runs. `stay` maps the uuids that
 * must stay where they are to their host; every other guest may move but never run twice.
 */
export function startSampler(
  hosts: readonly TestHost[],
  stay: ReadonlyMap<string, string>,
  origin: ReadonlyMap<string, string>,
) {
  const report: SampleReport = {
    sampleCount: 0,
    duplicates: [],
    moved: [],
    seenOn: new Map(),
    firstElsewhereMs: new Map(),
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const lists = await Promise.all(hosts.map(async (h) => ({ h, ds: await listWithin(h) })));
      noteSample(report, lists, stay, origin);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    }
  })();
  return {
    report,
    stop: async (): Promise<SampleReport> => {
      running = false;
      await loop;
      return report;
    },
  };
}

function noteSample(
  report: SampleReport,
  lists: { h: TestHost; ds: DomainInfo[] | undefined }[],
  stay: ReadonlyMap<string, string>,
  origin: ReadonlyMap<string, string>,
): void {
  const runningOn = new Map<string, string[]>();
  const present = new Map<string, string[]>();
  for (const { h, ds } of lists) {
    for (const d of ds ?? []) {
      const uuid = d.uuid;
      present.set(uuid, [...(present.get(uuid) ?? []), h.hostId]);
      if (d.state.includes("p")) continue;
      runningOn.set(uuid, [...(runningOn.get(uuid) ?? []), h.hostId]);
      const seen = report.seenOn.get(uuid) ?? new Set<string>();
      seen.add(h.hostId);
      report.seenOn.set(uuid, seen);
      if (origin.get(uuid) !== h.hostId && !report.firstElsewhereMs.has(uuid))
        report.firstElsewhereMs.set(uuid, Date.now());
    }
  }
  for (const [uuid, on] of runningOn)
    if (on.length > 1) report.duplicates.push(`${uuid} on ${on.join(" and ")}`);
  for (const [uuid, hostId] of stay) {
    const answered = lists.find((l) => l.h.hostId === hostId)?.ds !== undefined;
    const where = present.get(uuid) ?? [];
    if (where.some((h) => h !== hostId) || (answered && !where.includes(hostId)))
      report.moved.push(`${uuid}: expected on ${hostId}, seen on ${where.join(",") || "none"}`);
  }
  report.sampleCount++;
}

/** One row of the fault table the HA tests print (docs/specs/ha.md). */
export interface FaultRow {
  fault: string;
  guests: number;
  lost: number;
  duplicated: number;
  restarted: number;
  note: string;
}

export function printFaultTable(title: string, rows: readonly FaultRow[]): void {
  const lines = [
    `${title}`,
    "| fault | guests | lost | duplicated | HA-restarted | note |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...rows.map(
      (r) => `| ${r.fault} | ${r.guests} | ${r.lost} | ${r.duplicated} | ${r.restarted} | ${r.note} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
