import { isNothingChanged, ToolstackError } from "../dom0/errors.js";
import type { DomainInfo, ListResponse } from "../gen/xensim/v1/host.js";
import type { MigrateEvent, MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import type { HostGateway } from "../scheduler/host-gateway.js";
import { toProtoEvent } from "../transport/grpc/migration-server.js";
import type { SimNetwork } from "./network.js";
import { simCall } from "./rpc.js";
import type { SimHost } from "./sim-host.js";

type CreateCall = Parameters<HostGateway["create"]>[1];

/** Deadline of the scheduler's unary calls to hosts (host-gateway-grpc.ts's HOST_CALL_DEADLINE_MS). */
export const SIM_HOST_CALL_DEADLINE_MS = 5000;

/**
 * The scheduler's HostGateway in the one-process cluster: each call crosses the simulated network
 * from the caller's process to the host's, as the gRPC gateway's calls cross a real one.
 */
export class SimHostGateway implements HostGateway {
  constructor(
    private readonly network: SimNetwork,
    private readonly callerId: string,
    private readonly hostAt: (address: string) => SimHost | undefined,
  ) {}

  list(address: string): Promise<ListResponse> {
    return this.unary(address, "List", (host) => host.list());
  }

  create(address: string, request: CreateCall): Promise<DomainInfo> {
    return this.unary(address, "Create", (host) => host.create(request));
  }

  /**
   * As the gRPC gateway: progress events as they come; a failure with statistics ends in them,
   * unless it changed nothing (a NothingChangedError is thrown on, as over gRPC with its trailer).
   */
  migrate(
    sourceAddress: string,
    request: MigrateRequest,
    onEvent: (event: MigrateEvent) => void,
  ): Promise<MigrateEvent> {
    const source = this.requireHost(sourceAddress);
    return simCall(
      this.network,
      this.callerId,
      source.hostId,
      async () => {
        let last: MigrationStatsView | undefined;
        const progress = (stats: MigrationStatsView) => {
          last = stats;
          this.network.send(source.hostId, this.callerId, () => onEvent(toProtoEvent(stats, false)), true);
        };
        try {
          return toProtoEvent(await source.migrate(request, progress), true);
        } catch (error) {
          if (last && !isNothingChanged(error)) return toProtoEvent(last, true);
          throw error;
        }
      },
      { what: "Migrate" },
    );
  }

  private unary<T>(address: string, what: string, work: (host: SimHost) => T | Promise<T>): Promise<T> {
    const host = this.hostAt(address);
    if (!host) return Promise.reject(new ToolstackError("UNAVAILABLE", `no host answers at ${address}`));
    return simCall(this.network, this.callerId, host.hostId, () => work(host), {
      deadlineMs: SIM_HOST_CALL_DEADLINE_MS,
      what,
    });
  }

  private requireHost(address: string): SimHost {
    const host = this.hostAt(address);
    if (!host) throw new ToolstackError("UNAVAILABLE", `no host answers at ${address}`);
    return host;
  }
}
