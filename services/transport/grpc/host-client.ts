import { Metadata, type CallOptions, type ClientOptions, type ServiceError } from "@grpc/grpc-js";
import { HostClient } from "../../gen/xensim/v1/host.js";
import {
  channelCredentials,
  clusterChannelOptions,
  clusterSecurity,
  type ClusterSecurity,
} from "../tls/cluster-credentials.js";

export const GRPC_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;

/** A Host client under `security` (default: the process's credentials); `options`: e.g. interceptors. */
export function connectHost(
  address: string,
  security: ClusterSecurity = clusterSecurity(),
  options: ClientOptions = {},
): HostClient {
  return new HostClient(address, channelCredentials(["host"], security), {
    ...clusterChannelOptions(security),
    "grpc.max_receive_message_length": GRPC_MESSAGE_BYTES_MAX,
    ...options,
  });
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/**
 * Calls a generated unary method and returns a promise: `await unaryCall(client.info.bind(client), {})`.
 * (Typed against the generated four-argument overload, the one TypeScript infers from.) `metadata`:
 * e.g. `new Metadata({ waitForReady: true })`, to wait for a channel that is reconnecting.
 */
export function unaryCall<Req, Res>(
  method: (
    request: Req,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: Callback<Res>,
  ) => unknown,
  request: Req,
  options: Partial<CallOptions> = {},
  metadata: Metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, options, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

export function isServiceError(error: unknown): error is ServiceError {
  return typeof error === "object" && error !== null && "code" in error && "details" in error;
}
