import { Client, credentials, type ServiceDefinition } from "@grpc/grpc-js";
import { PULLER_CHANNEL_OPTIONS } from "../services/transport/grpc/migration-service.js";
import {
  channelCredentials,
  clusterChannelOptions,
  type ClusterSecurity,
} from "../services/transport/tls/cluster-credentials.js";

// The baselines of bench:migration: bytes pulled from another process, with nothing on top.

/** grpc-js messages of the bare stream: the size of a 64-page PAGE_DATA record's page data. */
export const BULK_MESSAGE_BYTE_COUNT = 256 * 1024;
/** Raw TCP writes, as in reference/performance-limits.md. */
export const TCP_WRITE_BYTE_COUNT = 1024 * 1024;
/** The host identity a TLS baseline server holds (bench/bench-pki.ts issues it). */
export const BULK_HOST_ID = "bulk";
/** A pull request is the byte count to send, as a little-endian double. */
export const BYTE_COUNT_REQUEST_BYTE_COUNT = 8;

const BULK_PULL_PATH = "/xensim.bench.Bulk/Pull";
const identity = (value: Buffer): Buffer => value;

/** A server stream with identity serializers: grpc-js alone, no protobuf. */
export const BULK_SERVICE: ServiceDefinition = {
  pull: {
    path: BULK_PULL_PATH,
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export function encodeByteCount(byteCount: number): Buffer {
  const request = Buffer.alloc(BYTE_COUNT_REQUEST_BYTE_COUNT);
  request.writeDoubleLE(byteCount, 0);
  return request;
}

export function decodeByteCount(request: Buffer): number {
  const byteCount = request.byteLength === BYTE_COUNT_REQUEST_BYTE_COUNT ? request.readDoubleLE(0) : NaN;
  if (!Number.isSafeInteger(byteCount) || byteCount < 0)
    throw new Error(`bulk pull: a request of ${request.byteLength} bytes is not a byte count`);
  return byteCount;
}

/**
 * The pulling client, with the migration puller's channel options (flow-control window, sizes),
 * and the cluster's TLS as a host's puller has it when `security` is given.
 */
export function connectBulk(address: string, security?: ClusterSecurity): Client {
  if (!security) return new Client(address, credentials.createInsecure(), PULLER_CHANNEL_OPTIONS);
  return new Client(address, channelCredentials(["host"], security), {
    ...PULLER_CHANNEL_OPTIONS,
    ...clusterChannelOptions(security),
  });
}

/** Pulls `byteCount` bytes over the bare stream; resolves with the bytes received. */
export function pullGrpc(client: Client, byteCount: number): Promise<number> {
  const call = client.makeServerStreamRequest<Buffer, Buffer>(
    BULK_PULL_PATH,
    identity,
    identity,
    encodeByteCount(byteCount),
  );
  let received = 0;
  return new Promise((resolve, reject) => {
    call.on("data", (message: Buffer) => (received += message.byteLength));
    call.on("error", reject);
    call.on("end", () => resolve(received));
  });
}
