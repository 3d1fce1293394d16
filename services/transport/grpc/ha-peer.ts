import { channelCredentials, clusterChannelOptions } from "../tls/cluster-credentials.js";
import { HaPeerClient, type HaPeerServer } from "../../gen/xensim/v1/ha.js";
import { unaryCall } from "./host-client.js";
import { unary } from "./status.js";

/**
 * The HaPeer service (docs/specs/ha.md §3): translates a peer's network heartbeat onto the host's
 * answer (`Host.answerPeerPing`, which the one-process cluster calls too).
 */
export function haPeerServer(
  hostId: string,
  answer: (fromHostId: string, fromAddress: string) => string[],
): HaPeerServer {
  return {
    ping: unary((request) => ({ hostId, sees: answer(request.hostId, request.address) })),
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
  ) {}

  /** host/lease-keeper.ts's PeerPinger. */
  readonly ping = async (address: string, deadlineMs: number): Promise<string[] | undefined> => {
    let client = this.clients.get(address);
    if (!client) {
      client = new HaPeerClient(address, channelCredentials(["host"]), {
        ...PEER_CHANNEL_OPTIONS,
        ...clusterChannelOptions(),
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
