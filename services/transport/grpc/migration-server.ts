import { status as grpcStatus, type ServerWritableStream } from "@grpc/grpc-js";
import type {
  MigrateEvent,
  MigrateRequest,
  MigrationServer,
  MigrationStats,
} from "../../gen/xensim/v1/migration.js";
import type { OutboundRequest } from "../../dom0/migrate/outbound.js";
import type { MigrationStatsView } from "../../dom0/migrate/stats.js";
import type { Host } from "../../host/host.js";
import { handleReceive } from "./incoming-handler.js";
import { pullSink } from "./pull-sink.js";
import { toServiceError, unary } from "./status.js";

/** The reason a cancel that gave none carries. */
const CANCEL_REASON_DEFAULT = "the operator asked";

/** The Migration gRPC service of one host: each RPC translated onto the transport-free Host. */
export function migrationServer(host: Host): MigrationServer {
  return {
    migrate: (call) => handleMigrate(host, call),
    receive: (call) => handleReceive(host, call),
    pullStream: (call) => {
      try {
        host.attachPull(call.request.migrationId, call.request.pullToken, pullSink(call));
      } catch (error) {
        call.emit("error", toServiceError(error));
      }
    },
    incomingStatus: unary((request) => ({ status: host.incomingStatus(request.migrationId), domid: 0 })),
    save: unary(async (request) => toProtoEvent(await host.save(request), true)),
    restore: unary((request) => host.restore(request)),
    listMigrations: unary(() => ({ migrations: host.migrations.list().map(toProtoStats) })),
    cancel: unary((request) =>
      toProtoStats(host.cancelMigration(request.domain, request.reason || CANCEL_REASON_DEFAULT)),
    ),
  };
}

function handleMigrate(host: Host, call: ServerWritableStream<MigrateRequest, MigrateEvent>): void {
  let last: MigrationStatsView | undefined;
  host
    .migrate(outboundRequest(call.request), (stats) => {
      last = stats;
      if (!call.cancelled) call.write(toProtoEvent(stats, false));
    })
    .then(
      (stats) => {
        call.write(toProtoEvent(stats, true));
        call.end();
      },
      (error: unknown) => {
        if (last) call.write(toProtoEvent(last, true));
        const serviceError = toServiceError(error);
        call.emit("error", { ...serviceError, code: serviceError.code ?? grpcStatus.INTERNAL });
      },
    );
}

function outboundRequest(request: MigrateRequest): OutboundRequest {
  return {
    domain: request.domain,
    destination: request.destination,
    policy: request.policy,
    live: request.live,
    bandwidth: request.bandwidth,
    downtimeLimitMs: request.downtimeLimitMs,
    autoConverge: request.autoConverge,
    pausedAtDestination: request.pausedAtDestination,
    keepPaused: request.keepPaused,
  };
}

export function toProtoEvent(stats: MigrationStatsView, final: boolean): MigrateEvent {
  return { stats: toProtoStats(stats), final };
}

export function toProtoStats(stats: MigrationStatsView): MigrationStats {
  return { ...stats, rounds: stats.rounds.map((r) => ({ ...r })) };
}
