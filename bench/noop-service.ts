import { Client, credentials, type ServiceDefinition } from "@grpc/grpc-js";

// A bare unary service with identity serializers: the baseline measures grpc-js alone.
const NOOP_PATH = "/xensim.bench.Noop/Ping";
const EMPTY = Buffer.alloc(0);
const identity = (value: Buffer): Buffer => value;

export const NOOP_SERVICE: ServiceDefinition = {
  ping: {
    path: NOOP_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export const NOOP_REPLY = EMPTY;

export function connectNoop(address: string): Client {
  return new Client(address, credentials.createInsecure());
}

/** One no-op unary call: an empty request, an empty reply. */
export function noopCall(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<Buffer, Buffer>(NOOP_PATH, identity, identity, EMPTY, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}
