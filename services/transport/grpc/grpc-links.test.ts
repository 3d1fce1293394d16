import { describe, expect, it } from "vitest";
import {
  createProtectedGuest,
  expectSettingUnreadRefusal,
  migrationConformance,
  unansweredStatefile,
  type MigrationPairOptions,
} from "../../host/migration.case.js";
import { MigrateRequest, type MigrateEvent } from "../../gen/xensim/v1/migration.js";
import { GrpcHostGateway } from "./host-gateway-grpc.js";
import { HostService } from "../../wiring/host-service.js";
import type { Statefile } from "../../contracts/statefile.js";
import { ToolstackError } from "../../dom0/errors.js";
import { loadDomainConfig } from "../../dom0/xlcfg/load.js";
import { startTcpProxy } from "../../../tests/support/tcp-proxy.js";
import { migrationCancelConformance } from "../../host/migration-cancel.case.js";
import type { MigrationStatsView } from "../../dom0/migrate/stats.js";
import { connectMigration } from "./migration-service.js";
import { isServiceError, unaryCall } from "./host-client.js";
import { status } from "@grpc/grpc-js";

const SPEC = { pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };

function hostService(hostId: string, seed: number, statefile?: Statefile): HostService {
  return new HostService({
    spec: { ...SPEC, hostId },
    dom0: { memoryMib: 256, vcpus: 1 },
    seed,
    listenAddress: "127.0.0.1:0",
    bus: undefined,
    heartbeatIntervalMs: 1000,
    ...(statefile ? { statefile } : {}),
  });
}

/** Two HostServices on loopback, the pair both conformance suites run on. */
async function grpcPair(options?: MigrationPairOptions) {
  const source = hostService("src", 1);
  const destination = hostService("dst", 2, options?.destinationStatefile);
  await Promise.all([source.start(), destination.start()]);
  return {
    source: source.host,
    destination: destination.host,
    // Port 1 (tcpmux) answers nowhere on loopback: connection refused.
    unreachableAddress: "127.0.0.1:1",
    close: async () => {
      await Promise.all([source.stop(), destination.stop()]);
    },
  };
}

migrationConformance("gRPC links (two Hosts, each behind its own gRPC server on loopback)", grpcPair);

migrationCancelConformance(
  "gRPC (Migration.Cancel on the host's server)",
  grpcPair,
  async (host, domain, reason) => {
    const client = connectMigration(host.address);
    try {
      const stats = await unaryCall(client.cancel.bind(client), { domain, reason });
      return stats as unknown as MigrationStatsView;
    } catch (error) {
      // As the caller sees it: the gRPC status's name is the toolstack's code.
      if (isServiceError(error)) throw Object.assign(new Error(error.details), { code: status[error.code] });
      throw error;
    } finally {
      client.close();
    }
  },
);

describe("the scheduler's migrate over gRPC (GrpcHostGateway)", () => {
  it("rejects with a NothingChangedError when the destination's refusal changed nothing; its statistics seen first", async () => {
    const source = hostService("src", 1);
    // docs/specs/ha.md §4 rule 7: a destination that never read the HA setting takes no protected guest.
    const destination = hostService("dst", 2, unansweredStatefile());
    await Promise.all([source.start(), destination.start()]);
    const gateway = new GrpcHostGateway();
    try {
      createProtectedGuest(source.host, "db");
      const events: MigrateEvent[] = [];
      const request = MigrateRequest.fromPartial({
        domain: "db",
        destination: destination.address,
        live: true,
      });
      const migrating = gateway.migrate(source.address, request, (e) => events.push(e));
      const error = await migrating.catch((e: unknown) => e);
      // The source's NothingChangedError crossed as the trailer xsim-nothing-changed.
      expectSettingUnreadRefusal(error, destination.host, "db");
      // What a user's `xsim migrate` prints is unchanged: the failed statistics, in the same words.
      expect(events.at(-1)?.stats).toMatchObject({ status: "failed", error: (error as Error).message });
      expect(source.host.toolstack.requireDomain("db").name).toBe("db");
    } finally {
      gateway.close();
      await Promise.all([source.stop(), destination.stop()]);
    }
  });

  it("a source that stops answering its watch mid-migration: UNAVAILABLE, the outcome named unknown, no stack", async () => {
    const source = hostService("src", 1);
    const destination = hostService("dst", 2);
    await Promise.all([source.start(), destination.start()]);
    // The scheduler reaches the source through a proxy the test cuts: no answer, no trailer.
    const proxy = await startTcpProxy("127.0.0.1", source.address);
    const gateway = new GrpcHostGateway();
    try {
      const text = 'name = "web"\nkernel = "/k"\nmemory = 16\nvcpus = 1\n';
      source.host.toolstack.create(loadDomainConfig(text, "web.cfg", [], source.host.toolstack.prng));
      // 16 MiB at 1 MB/s: the migration still runs when the watch is cut.
      const request = MigrateRequest.fromPartial({
        domain: "web",
        destination: destination.address,
        live: true,
        bandwidth: "1MB/s",
      });
      let cut: () => void = () => undefined;
      const watched = new Promise<void>((resolve) => (cut = resolve));
      const migrating = gateway.migrate(proxy.address, request, () => cut());
      await watched;
      proxy.cut();
      const error = await migrating.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolstackError);
      expect(error).toMatchObject({ code: "UNAVAILABLE" });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^source host ${proxy.address} stopped answering during the migration of web \\(.+\\): its outcome is unknown`,
        ),
      );
    } finally {
      gateway.close();
      await proxy.close();
      await Promise.all([source.stop(), destination.stop()]);
    }
  });

  it("a source that does not answer at all: UNAVAILABLE naming it, not an internal error", async () => {
    const gateway = new GrpcHostGateway();
    try {
      // Port 1 (tcpmux) answers nowhere on loopback: connection refused.
      const request = MigrateRequest.fromPartial({ domain: "web", destination: "127.0.0.1:2", live: true });
      const error = await gateway.migrate("127.0.0.1:1", request, () => undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolstackError);
      expect(error).toMatchObject({ code: "UNAVAILABLE" });
      expect((error as Error).message).toMatch(
        /^source host 127\.0\.0\.1:1 did not answer the migration of web \(.+\); /,
      );
    } finally {
      gateway.close();
    }
  });
});
