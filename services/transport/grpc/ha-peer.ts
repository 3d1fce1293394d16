import { status } from "@grpc/grpc-js";
import {
  channelCredentials,
  clusterChannelOptions,
  clusterSecurity,
  type ClusterSecurity,
} from "../tls/cluster-credentials.js";
import { callPeer } from "../tls/authorize-calls.js";
import { HaPeerClient, type HaPeerServer } from "../../gen/xensim/v1/ha.js";
import { unaryCall } from "./host-client.js";
import { unary } from "./status.js";
import { answeredTrailers } from "./answer-trailer.js";

/**
 * The HaPeer service (docs/specs/ha.md §3): translates a peer's network heartbeat onto the host's
 * answer (`Host.answerPeerPing`, which the one-process cluster calls too). With TLS, a ping counts
 * only for the host its caller's certificate names: one that claims another host id is refused with
 * PERMISSION_DENIED and changes nothing (a host cannot make its peers think a third host is alive).
 * Without TLS (--insecure) there is no certificate to check it against.
 */
export function haPeerServer(
  hostId: string,
  answer: (fromHostId: string, fromAddress: string) => string[],
): HaPeerServer {
  const answerPing = unary((request: { hostId: string; address: string }) => ({
    hostId,
    sees: answer(request.hostId, request.address),
  }));
  return {
    ping: (call, callback) => {
      const caller = callPeer(call);
      if (caller && caller.name !== call.request.hostId)
        return callback({
          code: status.PERMISSION_DENIED,
          details:
            `HaPeer/Ping claims host "${call.request.hostId}", but the caller's certificate is ` +
            `${caller.role} "${caller.name}"`,
          metadata: answeredTrailers(),
        });
      answerPing(call, callback);
    },
  };
}

/** A peer back from a partition must be seen again within a ping or two, not after grpc's 120 s backoff. */
export const PEER_CHANNEL_OPTIONS = {
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 1000,
};

/** Pings peers over gRPC with one client per address; a missing or late answer is `false`. */
export class GrpcPeerPinger {
  private readonly clients = new Map<string, HaPeerClient>();

  constructor(
    private readonly selfId: string,
    private readonly selfAddress: () => string,
    private readonly security: ClusterSecurity = clusterSecurity(),
  ) {}

  /** host/lease-keeper.ts's PeerPinger. */
  readonly ping = async (address: string, deadlineMs: number): Promise<string[] | undefined> => {
    let client = this.clients.get(address);
    if (!client) {
      client = new HaPeerClient(address, channelCredentials(["host"], this.security), {
        ...PEER_CHANNEL_OPTIONS,
        ...clusterChannelOptions(this.security),
      });
      this.clients.set(address, client);
    }
    try {
      const pong = await unaryCall(
        client.ping.bind(client),
        { hostId: this.selfId, address: this.selfAddress() },
        { deadline: Date.now() + deadlineMs },
      );
      return pong.sees;
    } catch {
      return undefined;
    }
  };

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
