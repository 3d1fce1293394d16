import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import type { PeerCertificate } from "node:tls";
import { status as grpcStatus } from "@grpc/grpc-js";
import {
  CLUSTER_TLS_SERVER_NAME,
  type ClusterSecurity,
} from "../services/transport/tls/cluster-credentials.js";
import { checkServerRole } from "../services/transport/tls/grpc-credentials.js";
import type { Role } from "../services/identity/roles.js";

// The benches' own gRPC client: unary calls as the gRPC over HTTP/2 protocol spells them
// (PROTOCOL-HTTP2.md: one HTTP/2 stream per call, POST to /package.Service/Method, each message
// with a 5-byte prefix, the status in the trailers), over one node:http2 connection, with the same
// headers grpc-js sends and nothing else. A server cannot tell it from grpc-js; what it leaves out
// is grpc-js's client machinery (interceptors, retries, load balancing, name resolution, a caller
// stack captured per call), which cost the bench twice what it cost the host it measured. The
// host's side (grpc-js Server) is unchanged: what bench:host and bench:ab measure stays the same.

/** A message's prefix: 1 byte "compressed" (always 0 here) and its length, 4 bytes big-endian. */
export const GRPC_MESSAGE_PREFIX_BYTE_COUNT = 5;
/** A reply larger than this fails the call, as grpc-js's default receive limit does. */
export const WIRE_REPLY_BYTE_COUNT_MAX = 64 * 1024 * 1024;

/** A call that ended with a status other than OK (0): the status and its message, as a ServiceError has. */
export class WireCallError extends Error {
  constructor(
    readonly path: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`${path}: status ${code}: ${details}`);
  }
}

/**
 * Headers a grpc-js channel sends with every call (its transport and compression filter), bar its
 * user agent; node adds :scheme and :authority (host:port, as grpc-js sends it) from the connection.
 */
function callHeaders(path: string): Readonly<Record<string, string>> {
  return {
    ":method": "POST",
    ":path": path,
    "user-agent": "xsim-bench-wire-client",
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-accept-encoding": "identity,deflate,gzip",
    "accept-encoding": "identity",
  };
}

/** One message in its gRPC frame. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(GRPC_MESSAGE_PREFIX_BYTE_COUNT + message.byteLength);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, GRPC_MESSAGE_PREFIX_BYTE_COUNT);
  return frame;
}

/** The one message of a unary reply's body (its frames, joined), or a description of what is wrong. */
export function unframeReply(body: Buffer): Buffer | string {
  if (body.byteLength < GRPC_MESSAGE_PREFIX_BYTE_COUNT)
    return `a reply of ${body.byteLength} bytes has no message`;
  if (body.readUInt8(0) !== 0) return "the reply is compressed, which this client did not ask for";
  const byteCount = body.readUInt32BE(1);
  if (body.byteLength !== GRPC_MESSAGE_PREFIX_BYTE_COUNT + byteCount)
    return `the reply's message says ${byteCount} bytes but ${body.byteLength - GRPC_MESSAGE_PREFIX_BYTE_COUNT} came`;
  return body.subarray(GRPC_MESSAGE_PREFIX_BYTE_COUNT);
}

/** grpc-status and grpc-message of trailers (or of the headers of a trailers-only reply). */
function statusOf(headers: IncomingHttpHeaders): { code: number; details: string } | undefined {
  const code = headers["grpc-status"];
  if (typeof code !== "string") return undefined;
  const message = headers["grpc-message"];
  return { code: Number(code), details: typeof message === "string" ? decodeURIComponent(message) : "" };
}

export class WireClient {
  private readonly session: ClientHttp2Session;
  /** Why the connection failed (e.g. the server's certificate), once it has. */
  private sessionError: Error | undefined;
  /** Each method's headers, made once (node copies them per request). */
  private readonly headersByPath = new Map<string, Readonly<Record<string, string>>>();

  /** A connection to `address` (host:port) under `security` (insecure, or the cluster's mutual TLS). */
  constructor(
    readonly address: string,
    security: ClusterSecurity = { kind: "insecure" },
    serverRoles: readonly Role[] = ["host"],
  ) {
    if (security.kind === "missing") throw new Error(security.reason);
    this.session =
      security.kind === "tls"
        ? connect(`https://${address}`, {
            ca: security.identity.caPem,
            cert: security.identity.certPem,
            key: security.identity.keyPem,
            servername: CLUSTER_TLS_SERVER_NAME,
            checkServerIdentity: (_hostname: string, cert: PeerCertificate) =>
              checkServerRole(cert, serverRoles),
          })
        : connect(`http://${address}`);
    // A connection that fails fails each call on it, with the connection's error.
    this.session.on("error", (error: Error) => (this.sessionError = error));
  }

  /** One unary call: `request` (encoded) to `path`; the reply's message bytes, or WireCallError. */
  unary(path: string, request: Uint8Array): Promise<Buffer> {
    if (this.sessionError) return Promise.reject(this.sessionError);
    return new Promise((resolve, reject) => {
      let headers = this.headersByPath.get(path);
      if (headers === undefined) this.headersByPath.set(path, (headers = callHeaders(path)));
      const stream = this.session.request(headers);
      const chunks: Buffer[] = [];
      let byteCount = 0;
      let status: { code: number; details: string } | undefined;
      stream.on("response", (responseHeaders) => (status = statusOf(responseHeaders)));
      stream.on("trailers", (trailers: IncomingHttpHeaders) => (status = statusOf(trailers) ?? status));
      stream.on("data", (chunk: Buffer) => {
        byteCount += chunk.byteLength;
        if (byteCount <= WIRE_REPLY_BYTE_COUNT_MAX + GRPC_MESSAGE_PREFIX_BYTE_COUNT) chunks.push(chunk);
      });
      stream.on("error", (error: Error) => reject(this.sessionError ?? error));
      stream.on("close", () => {
        if (status === undefined && this.sessionError) return reject(this.sessionError);
        if (status === undefined)
          return reject(
            new WireCallError(path, grpcStatus.UNAVAILABLE, "the stream closed without a status"),
          );
        if (status.code !== 0) return reject(new WireCallError(path, status.code, status.details));
        if (byteCount > WIRE_REPLY_BYTE_COUNT_MAX + GRPC_MESSAGE_PREFIX_BYTE_COUNT)
          return reject(
            new WireCallError(
              path,
              grpcStatus.RESOURCE_EXHAUSTED,
              `the reply is larger than ${WIRE_REPLY_BYTE_COUNT_MAX} bytes`,
            ),
          );
        const message = unframeReply(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, byteCount));
        if (typeof message === "string") reject(new WireCallError(path, grpcStatus.INTERNAL, message));
        else resolve(message);
      });
      stream.end(frameMessage(request));
    });
  }

  close(): void {
    this.session.close();
  }
}
