import type { DestinationPeer } from "./peer.js";
import type { SenderDomain } from "./sender.js";
import type { StreamSink } from "./stream-sink.js";

/**
 * What an outgoing migration talks through: the guest it pauses, the link its stream goes out on,
 * and the destination's control channel. A host with fault injection allowed puts wrappers here
 * (dom0/fault/faulty-wrappers.ts); the engine never knows.
 */
export interface OutboundWrappers {
  domain(domain: SenderDomain): SenderDomain;
  sink(sink: StreamSink): StreamSink;
  peer(peer: DestinationPeer): DestinationPeer;
}

export const PLAIN_WRAPPERS: OutboundWrappers = {
  domain: (domain) => domain,
  sink: (sink) => sink,
  peer: (peer) => peer,
};
