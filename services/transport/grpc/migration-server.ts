import { randomBytes, randomUUID } from "node:crypto";
import { status as grpcStatus, type ServerWritableStream } from "@grpc/grpc-js";
import type {
  MigrateEvent,
  MigrateRequest,
  MigrationServer,
  MigrationStats,
} from "../../gen/xensim/v1/migration.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import type { MigrationManager } from "../../dom0/migrate/migration-manager.js";
import { migrateOut, type OutboundContext } from "../../dom0/migrate/outbound.js";
import type { MigrationStatsView } from "../../dom0/migrate/stats.js";
import type { IncomingMigration } from "../../dom0/migrate/incoming.js";
import { SYSTEM_SCHEDULER } from "../../wiring/system-scheduler.js";
import { GrpcDestinationPeer } from "./grpc-peer.js";
import { handleReceive } from "../../dom0/migrate/receive-session.js";
import { pullSink } from "./pull-sink.js";
import { toServiceError, unary } from "./status.js";
import { saveToFile, restoreFromFile } from "../../dom0/migrate/save-restore.js";

export interface MigrationServerDeps {
  toolstack: Toolstack;
  manager: MigrationManager;
  selfAddress: () => string;
  onStats: (stats: MigrationStatsView) => void;
}

export function newToken(): string {
  return randomBytes(16).toString("hex");
}

/** The Migration gRPC service of one host: source, destination, save and restore. */
export function migrationServer(deps: MigrationServerDeps): MigrationServer {
  const incoming = new Map<string, IncomingMigration>();
  return {
    migrate: (call) => handleMigrate(deps, call),
    receive: (call) =>
      handleReceive({ toolstack: deps.toolstack, manager: deps.manager, incoming, newToken }, call),
    pullStream: (call) => {
      try {
        deps.manager.attachPull(call.request.migrationId, call.request.pullToken, pullSink(call));
      } catch (error) {
        call.emit("error", toServiceError(error));
      }
    },
    incomingStatus: unary((request) => {
      const found = incoming.get(request.migrationId);
      return { status: found?.state ?? "unknown", domid: 0 };
    }),
    save: unary(async (request) =>
      toProtoEvent(await saveToFile(deps.toolstack, deps.manager, request), true),
    ),
    restore: unary((request) => restoreFromFile(deps.toolstack, request)),
    listMigrations: unary(() => ({ migrations: deps.manager.list().map(toProtoStats) })),
  };
}

function handleMigrate(
  deps: MigrationServerDeps,
  call: ServerWritableStream<MigrateRequest, MigrateEvent>,
): void {
  const request = call.request;
  const peer = new GrpcDestinationPeer(request.destination);
  let last: MigrationStatsView | undefined;
  const ctx: OutboundContext = {
    toolstack: deps.toolstack,
    manager: deps.manager,
    clock: deps.toolstack.clock,
    scheduler: SYSTEM_SCHEDULER,
    selfAddress: deps.selfAddress(),
    newId: () => randomUUID(),
    newToken,
    onProgress: (stats) => {
      last = stats;
      deps.onStats(stats);
      if (!call.cancelled) call.write(toProtoEvent(stats, false));
    },
  };
  const outbound = {
    domain: request.domain,
    destination: request.destination,
    policy: request.policy,
    live: request.live,
    bandwidth: request.bandwidth,
    downtimeLimitMs: request.downtimeLimitMs,
    autoConverge: request.autoConverge,
    pausedAtDestination: request.pausedAtDestination,
    corruptFirstPage: request.injectCorruptPage,
    delayBeforeStopMs: request.injectDelayBeforeStopMs,
    delayAfterPauseMs: request.injectDelayAfterPauseMs ?? 0,
  };
  migrateOut(ctx, outbound, peer)
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
    )
    .finally(() => peer.close());
}

export function toProtoEvent(stats: MigrationStatsView, final: boolean): MigrateEvent {
  return { stats: toProtoStats(stats), final };
}

export function toProtoStats(stats: MigrationStatsView): MigrationStats {
  return { ...stats, rounds: stats.rounds.map((r) => ({ ...r })) };
}
