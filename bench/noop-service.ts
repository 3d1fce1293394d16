import type { ServiceDefinition } from "@grpc/grpc-js";
import { WireClient } from "./wire-client.js";

// A bare unary service with identity serializers: the baseline measures a grpc-js server alone.
const NOOP_PATH = "/xensim.bench.Noop/Ping";
const EMPTY = Buffer.alloc(0);
const identity = (value: Buffer): Buffer => value;

/** A unary method whose requests and replies are raw bytes. */
export function bytesMethod(path: string): ServiceDefinition[string] {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export const NOOP_SERVICE: ServiceDefinition = { ping: bytesMethod(NOOP_PATH) };

export const NOOP_REPLY = EMPTY;

/** The bench's client of the no-op server: the same gRPC client as its calls to hosts (wire-client.ts). */
export function connectNoop(address: string): WireClient {
  return new WireClient(address);
}

/** One no-op unary call: an empty request, an empty reply. */
export async function noopCall(client: WireClient): Promise<void> {
  await client.unary(NOOP_PATH, EMPTY);
}
