import { Metadata } from "@grpc/grpc-js";
import type { HostClient } from "../../gen/xensim/v1/host.js";
import { CreateRequest } from "../../gen/xensim/v1/host.js";
import type { MigrationClient, MigrateEvent } from "../../gen/xensim/v1/migration.js";
import type { HostGateway } from "../../scheduler/host-gateway.js";
import { connectHost, isServiceError, unaryCall } from "./host-client.js";
import { fromServiceError } from "./status.js";
import { isNothingChanged, ToolstackError } from "../../dom0/errors.js";
import { isNoAnswer } from "./answer-trailer.js";
import { connectMigrationWatch } from "./migration-service.js";
import { clusterSecurity, type ClusterSecurity } from "../tls/cluster-credentials.js";

/** Deadline of the scheduler's unary calls to hosts. */
export const HOST_CALL_DEADLINE_MS = 5000;

/**
 * The scheduler's channels to a host retry its address within a second. With grpc-js's defaults
 * (1 s, growing to 120 s) a host killed and started again at the same address was refused every
 * List for as long as the backoff had grown while it was down ("No connection established"): the
 * scheduler saw its heartbeats but never read it, so it was no candidate for placement ("no host
 * fits: rd1 is not the pinned host rd2") and its lost guests stayed listed
 * (tests/migration-destination-restart). As the HA pings' channels (ha-peer.ts).
 */
export const HOST_CHANNEL_RECONNECT_OPTIONS = {
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 1000,
};

/**
 * The source did not answer the scheduler's migrate, or stopped answering its watch of the
 * migration (no answer of its own: a dead or long-stalled process, a cut network): what became of
 * the guest is the hosts' to say, and they say it when they answer again (the next List puts the
 * guest where it runs). An UNAVAILABLE refusal, not an internal error.
 */
function sourceSilent(
  sourceAddress: string,
  domain: string,
  details: string,
  started: boolean,
): ToolstackError {
  return new ToolstackError(
    "UNAVAILABLE",
    started
      ? `source host ${sourceAddress} stopped answering during the migration of ${domain} (${details}): ` +
          `its outcome is unknown until the host answers again; xsim list shows where ${domain} runs`
      : `source host ${sourceAddress} did not answer the migration of ${domain} (${details}); ` +
          `xsim list shows where ${domain} runs`,
  );
}

/** The scheduler's HostGateway over gRPC, one channel per host address, kept open. */
export class GrpcHostGateway implements HostGateway {
  private readonly hostClients = new Map<string, HostClient>();
  private readonly migrationClients = new Map<string, MigrationClient>();

  /** `security`: the scheduler's credentials (default the process's, cluster-credentials.ts). */
  constructor(private readonly security: ClusterSecurity = clusterSecurity()) {}

  private host(address: string): HostClient {
    let client = this.hostClients.get(address);
    if (!client)
      this.hostClients.set(
        address,
        (client = connectHost(address, this.security, HOST_CHANNEL_RECONNECT_OPTIONS)),
      );
    return client;
  }

  private migration(address: string): MigrationClient {
    let client = this.migrationClients.get(address);
    if (!client)
      this.migrationClients.set(
        address,
        (client = connectMigrationWatch(address, this.security, HOST_CHANNEL_RECONNECT_OPTIONS)),
      );
    return client;
  }

  /**
   * Waits for the channel to connect (within the deadline) rather than failing at once while it
   * backs off: the List that follows a host's return (a new process at the same address) failed
   * "No connection established", and the host stayed unread, no candidate for placement, until the
   * next reconcile (up to 5 s; tests/migration-destination-restart).
   */
  list(address: string) {
    const client = this.host(address);
    return unaryCall(
      client.list.bind(client),
      { domains: [] },
      { deadline: Date.now() + HOST_CALL_DEADLINE_MS },
      new Metadata({ waitForReady: true }),
    );
  }

  async create(address: string, request: Partial<CreateRequest>) {
    const client = this.host(address);
    const reply = await unaryCall(client.create.bind(client), CreateRequest.fromPartial(request), {
      deadline: Date.now() + HOST_CALL_DEADLINE_MS,
    });
    if (!reply.domain) throw new Error(`host ${address} created no domain`);
    return reply.domain;
  }

  migrate(
    sourceAddress: string,
    request: Parameters<HostGateway["migrate"]>[1],
    onEvent: (event: MigrateEvent) => void,
  ): Promise<MigrateEvent> {
    const call = this.migration(sourceAddress).migrate(request);
    let last: MigrateEvent | undefined;
    return new Promise((resolve, reject) => {
      call.on("data", (event: MigrateEvent) => {
        last = event;
        onEvent(event);
      });
      call.on("error", (error: Error & { details?: string }) => {
        const refusal = !isServiceError(error)
          ? new Error(error.message)
          : isNoAnswer(error)
            ? sourceSilent(sourceAddress, request.domain, error.details, last !== undefined)
            : fromServiceError(error);
        // A failure ends in its statistics, unless it changed nothing: then the type is the news
        // (an evacuation retries it), the statistics were passed on already.
        if (last?.final && !isNothingChanged(refusal)) resolve(last);
        else reject(refusal);
      });
      call.on("end", () => (last ? resolve(last) : reject(new Error("migration ended without statistics"))));
    });
  }

  close(): void {
    for (const client of [...this.hostClients.values(), ...this.migrationClients.values()]) client.close();
  }
}
