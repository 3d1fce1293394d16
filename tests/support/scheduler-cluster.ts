import type { ClientReadableStream } from "@grpc/grpc-js";
import { startNatsServer, type NatsServerHandle } from "./nats-server.js";
import type { HostProcessOptions } from "./host-process.js";
import { startSchedulerProcess, type SchedulerProcess } from "./scheduler-process.js";
import { startTestHost, stopTestHost, waitUntil, type TestHost } from "./migration-cluster.js";
import { testCall } from "./test-call.js";
import type {
  ClusterDomain,
  EvacuateRequest,
  HostSummary,
  OperationEvent,
  PlaceCreateReply,
} from "../../services/gen/xensim/v1/scheduler.js";

/** Heartbeats of the hosts in scheduler tests; hosts fence after 2 of them, the scheduler gives up after 3. */
export const TEST_HEARTBEAT_MS = 200;
/**
 * For tests that are not about failures: a host whose event loop stalls (a loaded 2-core machine)
 * for longer than 2 of these fences itself, as it should, and that is not what they test.
 */
export const RELAXED_HEARTBEAT_MS = 500;
export const TEST_MISSED_HEARTBEATS = 3;

export type SchedulerHostOptions = Omit<HostProcessOptions, "natsUrl" | "heartbeatMs"> & {
  /** Where the host connects to NATS instead of the server itself (e.g. through a proxy). */
  natsUrl?: string;
  dom0MemoryMib?: number;
};

/** nats-server, host processes and the scheduler process, with short heartbeats. */
export interface SchedulerCluster {
  nats: NatsServerHandle;
  hosts: TestHost[];
  scheduler: SchedulerProcess;
  host(hostId: string): TestHost;
  /** Starts one more host. */
  addHost(options: SchedulerHostOptions): Promise<TestHost>;
  /** Starts a new scheduler process (after the old one stopped or was killed). */
  startScheduler(): Promise<SchedulerProcess>;
  stop(): Promise<void>;
}

export async function startSchedulerCluster(
  hosts: readonly SchedulerHostOptions[],
  heartbeatMs = TEST_HEARTBEAT_MS,
): Promise<SchedulerCluster> {
  const nats = await startNatsServer();
  const started: TestHost[] = [];
  const addHost = async (options: SchedulerHostOptions) => {
    const { dom0MemoryMib, natsUrl, ...rest } = options;
    const extraArgs = [...(rest.extraArgs ?? [])];
    if (dom0MemoryMib) extraArgs.push("--dom0-memory-mib", String(dom0MemoryMib));
    const host = await startTestHost({
      ...rest,
      natsUrl: natsUrl ?? nats.url,
      heartbeatMs,
      extraArgs,
    });
    started.push(host);
    return host;
  };
  for (const options of hosts) await addHost(options);
  const cluster: SchedulerCluster = {
    nats,
    hosts: started,
    scheduler: await startSchedulerProcess(nats.url, TEST_MISSED_HEARTBEATS),
    host: (hostId) => {
      const host = started.find((h) => h.hostId === hostId);
      if (!host) throw new Error(`no host ${hostId} in this cluster`);
      return host;
    },
    addHost,
    startScheduler: async () =>
      (cluster.scheduler = await startSchedulerProcess(nats.url, TEST_MISSED_HEARTBEATS)),
    stop: async () => {
      await cluster.scheduler.stop().catch(() => undefined);
      await Promise.all(started.map((h) => stopTestHost(h).catch(() => undefined)));
      await nats.stop();
    },
  };
  await waitForHostsUp(
    cluster.scheduler,
    hosts.map((h) => h.hostId),
  );
  await waitForHostsSynced(
    cluster.scheduler,
    hosts.map((h) => h.hostId),
  );
  return cluster;
}

/** A guest no test host can hold (the most xl.cfg allows): its placement is refused by every host. */
const UNPLACEABLE_MEMORY_MIB = 16 * 1024 * 1024;

/**
 * Waits until the scheduler has read each host's List, as placement requires: a host it only
 * heard of in a heartbeat is up but no candidate, so a create right after hosts-up can be refused
 * "no hosts" (a loaded machine delays the List). A dry-run placement that no host can take is
 * refused naming every candidate host; nothing is created or claimed.
 */
export async function waitForHostsSynced(
  scheduler: SchedulerProcess,
  hostIds: readonly string[],
): Promise<void> {
  const c = scheduler.client;
  const request = {
    configText: cfg("synced-probe", UNPLACEABLE_MEMORY_MIB),
    configFileName: "probe.cfg",
    overrides: [],
    paused: false,
    policy: "",
  };
  await waitUntil(async () => {
    const refusal = await new Promise<string>((resolve) =>
      c.place(request, (error) => resolve(error?.details ?? "placed")),
    );
    return hostIds.every((id) => new RegExp(`(: |; )${id} `).test(refusal));
  }, 10_000);
}

export async function hostList(scheduler: SchedulerProcess): Promise<HostSummary[]> {
  const c = scheduler.client;
  return (await testCall("host-list", c.hostList.bind(c), {})).hosts;
}

export async function listAll(scheduler: SchedulerProcess): Promise<ClusterDomain[]> {
  const c = scheduler.client;
  return (await testCall("list (the scheduler's)", c.listAll.bind(c), {})).domains;
}

/** Waits until the scheduler reports every one of `hostIds` up. */
export async function waitForHostsUp(scheduler: SchedulerProcess, hostIds: readonly string[]): Promise<void> {
  await waitUntil(async () => {
    const up = new Set((await hostList(scheduler)).filter((h) => h.state === "up").map((h) => h.hostId));
    return hostIds.every((id) => up.has(id));
  }, 10_000);
}

/** Waits until the scheduler has read each named domain's config from its host (HA recorded). */
export async function waitForSynced(scheduler: SchedulerProcess, names: readonly string[]): Promise<void> {
  await waitUntil(async () => {
    const synced = new Set(
      (await listAll(scheduler)).filter((d) => d.domain?.configJson).map((d) => d.domain?.name),
    );
    return names.every((name) => synced.has(name));
  }, 10_000);
}

export function createVia(
  scheduler: SchedulerProcess,
  configText: string,
  policy = "",
): Promise<PlaceCreateReply> {
  const c = scheduler.client;
  return testCall("create via the scheduler", c.create.bind(c), {
    configText,
    configFileName: "test.cfg",
    overrides: [],
    paused: false,
    policy,
  });
}

/** A running operation stream (Evacuate, Rebalance): its events and whether its final one was ok. */
export interface OperationRun {
  events: OperationEvent[];
  done: Promise<boolean>;
}

export function evacuateVia(scheduler: SchedulerProcess, request: Partial<EvacuateRequest>): OperationRun {
  const call = scheduler.client.evacuate({ hostId: "", parallel: 0, bandwidth: "", policy: "", ...request });
  return operationRun(call);
}

function operationRun(call: ClientReadableStream<OperationEvent>): OperationRun {
  const events: OperationEvent[] = [];
  const done = new Promise<boolean>((resolve, reject) => {
    call.on("data", (event: OperationEvent) => events.push(event));
    call.on("error", reject);
    call.on("end", () => resolve(events.at(-1)?.final === true && events.at(-1)?.ok === true));
  });
  done.catch(() => undefined);
  return { events, done };
}

/** xl.cfg text of a small PV (or HVM) guest with optional xsim_* keys. */
export function cfg(name: string, memoryMib: number, extra: Record<string, string> = {}): string {
  const lines = [`name = "${name}"`, `memory = ${memoryMib}`, "vcpus = 1"];
  if (extra.type === "hvm") lines.push('type = "hvm"');
  else lines.push('type = "pv"', 'kernel = "/k"');
  for (const [key, value] of Object.entries(extra)) if (key !== "type") lines.push(`${key} = "${value}"`);
  return `${lines.join("\n")}\n`;
}
