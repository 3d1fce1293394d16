import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { unaryCall, connectHost } from "../services/transport/grpc/host-client.js";
import { connectMigration } from "../services/transport/grpc/migration-service.js";
import {
  clusterSecurity,
  useClusterSecurity,
  type ClusterSecurity,
} from "../services/transport/tls/cluster-credentials.js";
import { CORE_HEADER_BYTE_COUNT } from "../services/dom0/dump-core.js";
import { MIB, PAGE_SIZE_BYTES } from "../services/core/units.js";
import {
  domainOn,
  guestConfig,
  MIGRATE_DEFAULTS,
  startTestHost,
  stopTestHost,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";
import { testPki } from "./support/test-pki.js";

/**
 * Issue 11: what crosses the wire between the CLI and a host (gRPC) and between two hosts (the
 * migration's control channel and its pulled stream) is encrypted. Two real hosts, each behind a
 * capturing TCP proxy that it advertises, so every connection to either (the test's calls, the
 * destination pulling the stream from the source) crosses a proxy; a guest with a distinctive
 * name and distinct pages is live-migrated through them. Secured, neither its name nor any of its
 * pages' bytes (read back with dump-core) is on the wire; the control run with --insecure finds them,
 * which proves the capture sees the traffic.
 */
const GUEST_MEMORY_MIB = 16;
const PAGE_COUNT = (GUEST_MEMORY_MIB * MIB) / PAGE_SIZE_BYTES;
/** The pages whose leading bytes are the markers: spread over the guest. */
const MARKER_PFNS = [17, 1001, 2222, 3333, 4000];
/** pfn + 1 and a random u64 (services/core/workload/page-writes.ts writeDistinctPage). */
const MARKER_BYTE_COUNT = 16;
const MIGRATION_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

interface Capture {
  wire: Buffer;
  name: string;
  markers: Buffer[];
}

const started: { hosts: TestHost[]; proxies: TcpProxy[] } = { hosts: [], proxies: [] };

afterAll(async () => {
  await Promise.all(started.hosts.map((host) => stopTestHost(host)));
  await Promise.all(started.proxies.map((proxy) => proxy.close()));
});

/** A host behind a capturing proxy it advertises to its peers. */
async function hostBehindProxy(hostId: string, listenHost: string, insecure: boolean) {
  const proxy = await startTcpProxy("127.0.0.1", "", true);
  started.proxies.push(proxy);
  const host = await startTestHost({
    hostId,
    listenHost,
    insecure,
    extraArgs: ["--advertise", proxy.address],
  });
  started.hosts.push(host);
  proxy.target = host.address;
  return { host, proxy };
}

/** The leading bytes of some of the guest's pages, from its core dumped on the source host. */
async function pageMarkers(source: ReturnType<typeof connectHost>, name: string): Promise<Buffer[]> {
  const dump = await unaryCall(source.dumpCore.bind(source), { domain: name, path: `${name}.core` });
  expect(dump.pageCount).toBe(PAGE_COUNT);
  const core = readFileSync(dump.path);
  return MARKER_PFNS.map((pfn) => {
    const at = CORE_HEADER_BYTE_COUNT + pfn * PAGE_SIZE_BYTES;
    return core.subarray(at, at + MARKER_BYTE_COUNT);
  });
}

/** Creates the guest through the source's proxy, live-migrates it to the destination's, returns the capture. */
async function migrateThroughProxies(mode: "tls" | "insecure", octet: number): Promise<Capture> {
  const insecure = mode === "insecure";
  const name = `payroll-ledger-${mode}-zq7`;
  const [a, b] = [
    await hostBehindProxy(`wire${mode}a`, `127.0.1.${octet}`, insecure),
    await hostBehindProxy(`wire${mode}b`, `127.0.1.${octet + 1}`, insecure),
  ];
  const source = connectHost(a.proxy.address);
  const migration = connectMigration(a.proxy.address);
  try {
    await unaryCall(source.create.bind(source), {
      configText: guestConfig(name, GUEST_MEMORY_MIB, "fill"),
      configFileName: `${name}.cfg`,
      configJson: "",
      overrides: [],
      paused: false,
    });
    await waitUntil(async () => (await domainOn(a.host, name))?.populatedPages === PAGE_COUNT, 10_000);
    await unaryCall(source.setWorkload.bind(source), { domain: name, workload: "idle" });
    const markers = await pageMarkers(source, name);
    for (const marker of markers) expect(marker.readBigUInt64LE(8), "a filled page").not.toBe(0n);
    await new Promise<void>((resolve, reject) => {
      const call = migration.migrate({ ...MIGRATE_DEFAULTS, domain: name, destination: b.proxy.address });
      call.on("data", () => undefined);
      call.on("error", reject);
      call.on("end", resolve);
    });
    await waitUntil(async () => (await domainOn(b.host, name)) !== undefined, MIGRATION_TIMEOUT_MS);
    return { wire: Buffer.concat([a.proxy.captured(), b.proxy.captured()]), name, markers };
  } finally {
    source.close();
    migration.close();
  }
}

/** Runs `body` with this process's channels made under `security`, then restores the file's own. */
async function withSecurity<T>(security: ClusterSecurity, body: () => Promise<T>): Promise<T> {
  const before = clusterSecurity();
  useClusterSecurity(security);
  try {
    return await body();
  } finally {
    useClusterSecurity(before);
  }
}

describe.skipIf(!testPki())(
  "on the wire between the CLI and hosts, and between hosts (gRPC, migration)",
  () => {
    it(
      "secured, carries neither the guest's name nor its pages' bytes readable",
      async () => {
        const capture = await migrateThroughProxies("tls", 81);
        // Most of 16 MiB of pages and the calls crossed the proxies, encrypted.
        expect(capture.wire.length).toBeGreaterThan(GUEST_MEMORY_MIB * MIB);
        expect(capture.wire.includes(Buffer.from(capture.name)), "the name readable").toBe(false);
        capture.markers.forEach((marker, index) =>
          expect(capture.wire.includes(marker), `page ${MARKER_PFNS[index]} readable`).toBe(false),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "with --insecure (the control run), carries both readable: the capture does see the traffic",
      async () => {
        const capture = await withSecurity({ kind: "insecure" }, () => migrateThroughProxies("insecure", 83));
        expect(capture.wire.includes(Buffer.from(capture.name)), "the name readable").toBe(true);
        const readable = capture.markers.filter((marker) => capture.wire.includes(marker));
        expect(readable.length, "pages readable on the wire").toBeGreaterThan(0);
      },
      TEST_TIMEOUT_MS,
    );
  },
);
