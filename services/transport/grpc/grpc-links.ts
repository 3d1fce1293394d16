import type { ChannelCredentials } from "@grpc/grpc-js";
import type { StreamChunk } from "../../gen/xensim/v1/migration.js";
import type { MigrationLinks, PullHandlers, StreamPuller } from "../../dom0/migrate/peer.js";
import { GrpcDestinationPeer } from "./grpc-peer.js";
import { connectPuller } from "./migration-service.js";

/** A host's migration links over gRPC, with the channel credentials the wiring chose. */
export function grpcMigrationLinks(channelCredentials: ChannelCredentials): MigrationLinks {
  return {
    destination: (address) => new GrpcDestinationPeer(address, channelCredentials),
    puller: grpcPuller(channelCredentials),
  };
}

/** PullStream: the destination's client pulls the stream from the source's server. */
export function grpcPuller(channelCredentials: ChannelCredentials): StreamPuller {
  return {
    pull(sourceAddress: string, migrationId: string, pullToken: string, handlers: PullHandlers) {
      const client = connectPuller(sourceAddress, channelCredentials);
      const stream = client.pullStream({ migrationId, pullToken });
      let over = false;
      const close = () => {
        if (over) return;
        over = true;
        stream.cancel();
        client.close();
      };
      stream.on("data", (chunk: StreamChunk) => {
        if (!over) handlers.data(chunk.data);
      });
      stream.on("end", () => {
        if (over) return;
        handlers.end();
        close();
      });
      stream.on("error", (error: Error) => {
        if (over) return;
        close();
        handlers.error(error);
      });
      return close;
    },
  };
}
