import { expect } from "vitest";
import { status, type ServiceError } from "@grpc/grpc-js";
import { startNatsServer, type NatsServerHandle } from "./nats-server.js";
import {
  channelCredentials,
  clusterChannelOptions,
} from "../../services/transport/tls/cluster-credentials.js";
import { FaultInjectionClient } from "../../services/gen/xensim/v1/fault.js";
import { startHostProcess, type HostProcess, type HostProcessOptions } from "./host-process.js";
import { testCall } from "./test-call.js";
import { connectMigrationWatch } from "../../services/transport/grpc/migration-service.js";
import type { DomainInfo } from "../../services/gen/xensim/v1/host.js";
import { MIB, PAGE_SIZE_BYTES } from "../../services/core/units.js";
import type {
  MigrateRequest,
  MigrationClient,
  MigrationStats,
} from "../../services/gen/xensim/v1/migration.js";

/** Suffixes a migration gives a domain's copies (services/dom0/migrate/{incoming,outbound}.ts). */
export const MIGRATION_SUFFIXES = ["--incoming", "--migratedaway"] as const;
/** How long a test waits for a host to clean up after a failure (keepalive is 2 s). */
export const CLEANUP_TIMEOUT_MS = 8_000;
/** Memory of each test host: room for a few 128 MiB guests besides Dom0's 1 GiB. */
export const TEST_HOST_MEMORY_MIB = 4096;

/** A host process with its Migration client. */
export interface TestHost {
  readonly hostId: string;
  readonly address: string;
  readonly process: HostProcess;
  readonly migration: MigrationClient;
  /** Answers only if the host was started with --allow-fault-injection. */
  readonly faults: FaultInjectionClient;
}

/** The host flag that lets the FaultInjection service answer (docs/specs/fault-injection.md). */
export const ALLOW_FAULT_INJECTION = "--allow-fault-injection";

export async function startTestHost(options: HostProcessOptions): Promise<TestHost> {
  const process = await startHostProcess(options);
  return {
    hostId: options.hostId,
    address: process.address,
    process,
    migration: connectMigrationWatch(process.address),
    faults: new FaultInjectionClient(process.address, channelCredentials(["host"]), clusterChannelOptions()),
  };
}

export async function stopTestHost(
  host: TestHost | undefined,
  how: "stop" | "kill9" = "stop",
): Promise<void> {
  if (!host) return;
  host.migration.close();
  host.faults.close();
  await (how === "stop" ? host.process.stop() : host.process.kill9());
}

/** nats-server and N hosts on 127.0.1.<firstOctet + i>. */
export interface TestCluster {
  nats: NatsServerHandle;
  hosts: TestHost[];
  /** Starts one more host of this cluster (e.g. to replace a killed one). */
  addHost(hostId: string, listenHost: string, extraArgs?: string[]): Promise<TestHost>;
  stop(): Promise<void>;
}

export async function startTestCluster(
  prefix: string,
  count: number,
  firstOctet: number,
  /** hostArgs: more flags for every host (e.g. --allow-dir for files several hosts share). */
  options: { allowFaultInjection?: boolean; hostArgs?: string[] } = {},
): Promise<TestCluster> {
  const nats = await startNatsServer();
  const extra: TestHost[] = [];
  const clusterArgs = [
    ...(options.allowFaultInjection ? [ALLOW_FAULT_INJECTION] : []),
    ...(options.hostArgs ?? []),
  ];
  const addHost = async (hostId: string, listenHost: string, hostArgs: string[] = []) => {
    const extraArgs = [...clusterArgs, ...hostArgs];
    const host = await startTestHost({
      hostId,
      natsUrl: nats.url,
      listenHost,
      memoryMib: TEST_HOST_MEMORY_MIB,
      extraArgs,
    });
    extra.push(host);
    return host;
  };
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startTestHost({
        hostId: `${prefix}${i + 1}`,
        natsUrl: nats.url,
        listenHost: `127.0.1.${firstOctet + i}`,
        memoryMib: TEST_HOST_MEMORY_MIB,
        extraArgs: clusterArgs,
      }),
    ),
  );
  const hosts = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(hosts.map((h) => stopTestHost(h)));
    await nats.stop();
    throw failed.reason;
  }
  return {
    nats,
    hosts,
    addHost,
    stop: async () => {
      await Promise.all([...hosts, ...extra].map((h) => stopTestHost(h).catch(() => undefined)));
      await nats.stop();
    },
  };
}

export function hostAt(cluster: TestCluster, index: number): TestHost {
  const host = cluster.hosts[index];
  if (!host) throw new Error(`no host ${index} in the test cluster`);
  return host;
}

export function guestConfig(name: string, memoryMib: number, workload: string): string {
  return `name = "${name}"\nkernel = "/k"\nmemory = ${memoryMib}\nvcpus = 1\nxsim_workload = "${workload}"\n`;
}

/** Creates a guest populated by `fill` (every page distinct), then gives it `workload`. */
export async function createFilledGuest(
  host: TestHost,
  name: string,
  memoryMib: number,
  workload = "idle",
): Promise<string> {
  const c = host.process.client;
  const text = guestConfig(name, memoryMib, "fill");
  await testCall(`create ${name} on ${host.hostId}`, c.create.bind(c), {
    configText: text,
    configFileName: `${name}.cfg`,
    configJson: "",
    overrides: [],
    paused: false,
  });
  const pageCount = (memoryMib * MIB) / PAGE_SIZE_BYTES;
  await waitUntil(async () => (await domainOn(host, name))?.populatedPages === pageCount, 10_000);
  await setWorkload(host, name, workload);
  return checksumOf(host, name);
}

export async function setWorkload(host: TestHost, name: string, workload: string): Promise<void> {
  const c = host.process.client;
  await testCall(`set-workload ${name} on ${host.hostId}`, c.setWorkload.bind(c), { domain: name, workload });
}

export async function checksumOf(host: TestHost, name: string): Promise<string> {
  const c = host.process.client;
  const what = `checksum of ${name} on ${host.hostId}`;
  return (await testCall(what, c.memoryChecksum.bind(c), { domain: name })).checksum;
}

export async function domainsOf(host: TestHost): Promise<DomainInfo[]> {
  const c = host.process.client;
  return (await testCall(`list on ${host.hostId}`, c.list.bind(c), { domains: [] })).domains;
}

export async function freeMemoryKibOf(host: TestHost): Promise<number> {
  const c = host.process.client;
  return (await testCall(`info of ${host.hostId}`, c.info.bind(c), {})).freeMemoryKib;
}

export async function domainOn(host: TestHost, name: string): Promise<DomainInfo | undefined> {
  return (await domainsOf(host)).find((d) => d.name === name);
}

/** Names of this guest's copies on one host: NAME, NAME--incoming, NAME--migratedaway. */
export async function copiesOn(host: TestHost, name: string): Promise<string[]> {
  const names = new Set([name, ...MIGRATION_SUFFIXES.map((s) => name + s)]);
  return (await domainsOf(host)).filter((d) => names.has(d.name)).map((d) => d.name);
}

/**
 * The guest runs on `owner` under its own name, unpaused, with memory checksum `checksum`, and no
 * host in `hosts` has another copy of it (NAME, NAME--incoming or NAME--migratedaway).
 */
export async function expectGuestOnlyOn(
  hosts: readonly TestHost[],
  owner: TestHost,
  name: string,
  checksum: string,
): Promise<void> {
  await expectOnlyCopyOn(hosts, owner, name);
  const domain = await domainOn(owner, name);
  expect(domain?.state, `state of ${name} on ${owner.hostId}`).toMatch(/^(r-|-b|rb)-/);
  expect(await checksumOf(owner, name), `memory of ${name} on ${owner.hostId}`).toBe(checksum);
}

/** `owner` has the guest under its own name; no host in `hosts` has any other copy of it. */
export async function expectOnlyCopyOn(
  hosts: readonly TestHost[],
  owner: TestHost,
  name: string,
): Promise<void> {
  for (const host of hosts) {
    const expected = host === owner ? [name] : [];
    expect(await copiesOn(host, name), `copies of ${name} on ${host.hostId}`).toEqual(expected);
  }
}

/** Polls until no host in `hosts` has NAME--incoming or NAME--migratedaway (cleanup after a failure). */
export async function waitForNoLeftovers(hosts: readonly TestHost[], name: string): Promise<void> {
  const leftovers = async () => {
    const all = await Promise.all(hosts.map((h) => copiesOn(h, name)));
    return all.flat().filter((n) => n !== name);
  };
  await waitUntil(async () => (await leftovers()).length === 0, CLEANUP_TIMEOUT_MS).catch(() => undefined);
  expect(await leftovers()).toEqual([]);
}

export const MIGRATE_DEFAULTS: Omit<MigrateRequest, "domain" | "destination"> = {
  policy: "xen",
  live: true,
  bandwidth: "",
  downtimeLimitMs: 0,
  autoConverge: false,
  keepPaused: false,
  pausedAtDestination: false,
};

export interface MigrationRun {
  /** Every progress event, the final one last. */
  events: MigrationStats[];
  /** Settles when the Migrate stream ends: the final statistics, or the stream's error. */
  done: Promise<MigrationStats>;
  /** Resolves with the first event (the migration is under way). */
  started: Promise<MigrationStats>;
}

/** Calls Migrate on `source`; `done` resolves with the final statistics or rejects with the status. */
export function startMigration(
  source: TestHost,
  request: Partial<MigrateRequest> & { domain: string; destination: string },
): MigrationRun {
  const call = source.migration.migrate({ ...MIGRATE_DEFAULTS, ...request });
  const events: MigrationStats[] = [];
  let onFirst: (stats: MigrationStats) => void = () => undefined;
  const started = new Promise<MigrationStats>((resolve) => (onFirst = resolve));
  const done = new Promise<MigrationStats>((resolve, reject) => {
    let final: MigrationStats | undefined;
    call.on("data", (event: { stats?: MigrationStats; final: boolean }) => {
      if (!event.stats) return;
      events.push(event.stats);
      onFirst(event.stats);
      if (event.final) final = event.stats;
    });
    call.on("error", reject);
    call.on("end", () => (final ? resolve(final) : reject(new Error("Migrate ended without a final event"))));
  });
  done.catch(() => undefined);
  return { events, done, started };
}

/** Awaits a promise that must fail with a gRPC status; returns the error. */
export async function expectGrpcError(
  promise: Promise<unknown>,
  code: status,
  fragment?: string | RegExp,
): Promise<ServiceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  expect(error, `expected status ${status[code]}`).toBeDefined();
  expect(status[error!.code], error!.details).toBe(status[code]);
  if (fragment !== undefined) expect(error!.details).toMatch(fragment);
  return error!;
}

export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleepMs(25);
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
