import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
import { loadIdentity } from "../services/identity/pki.js";
import { clusterServerCredentials } from "../services/transport/tls/grpc-credentials.js";
import { MIGRATION_SERVER_OPTIONS } from "../services/transport/grpc/migration-service.js";
import { SERVER_OPTIONS_BASE } from "../services/transport/grpc/server-options.js";
import {
  BULK_MESSAGE_BYTE_COUNT,
  BULK_SERVICE,
  BULK_HOST_ID,
  BYTE_COUNT_REQUEST_BYTE_COUNT,
  TCP_WRITE_BYTE_COUNT,
  decodeByteCount,
} from "./bulk-service.js";

/**
 * `node dist/bench/bulk-server.js tcp|grpc host:port [PKI_DIR]`: the sending end of a baseline in
 * its own process. Each connection (tcp) or Pull call (grpc) asks for N bytes and gets them from one
 * reused buffer, with backpressure. With PKI_DIR, both speak the cluster's TLS as the host `bulk`
 * would (node's tls; grpc-js with the hosts' server credentials, a client certificate asked for).
 * Prints a ready line.
 */
const mode = process.argv[2];
const listenAddress = process.argv[3] ?? "127.0.0.1:0";
const pkiDir = process.argv[4];
const identity = pkiDir ? loadIdentity(pkiDir, "host", BULK_HOST_ID) : undefined;
const [listenHost = "127.0.0.1", listenPort = "0"] = listenAddress.split(":");

function ready(port: number): void {
  process.stdout.write(
    `${JSON.stringify({ ready: true, address: `${listenHost}:${port}`, pid: process.pid })}\n`,
  );
}

/** Writes `byteCount` bytes in `chunk`-sized writes; `write` returns false when the peer is full. */
async function sendAll(
  byteCount: number,
  chunk: Buffer,
  write: (bytes: Buffer) => boolean,
  drained: () => Promise<unknown>,
): Promise<void> {
  const writeCount = Math.ceil(byteCount / chunk.byteLength);
  for (let index = 0; index < writeCount; index++) {
    const left = byteCount - index * chunk.byteLength;
    if (!write(left >= chunk.byteLength ? chunk : chunk.subarray(0, left))) await drained();
  }
}

function serveTcp(): void {
  const chunk = Buffer.alloc(TCP_WRITE_BYTE_COUNT, 0xa5);
  const serve = (socket: Socket) => {
    socket.once("readable", () => {
      const request = socket.read(BYTE_COUNT_REQUEST_BYTE_COUNT) as Buffer | null;
      if (request === null) return void socket.destroy();
      const byteCount = decodeByteCount(request);
      sendAll(
        byteCount,
        chunk,
        (bytes) => socket.write(bytes),
        () => once(socket, "drain"),
      ).then(
        () => socket.end(),
        () => socket.destroy(),
      );
    });
    socket.on("error", () => socket.destroy());
  };
  const server = identity
    ? createTlsServer(
        { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem, requestCert: true },
        serve,
      )
    : createServer(serve);
  server.listen(Number(listenPort), listenHost, () => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("bulk-server: no TCP port");
    ready(address.port);
  });
}

function serveGrpc(): void {
  const chunk = Buffer.alloc(BULK_MESSAGE_BYTE_COUNT, 0xa5);
  const pull = (call: ServerWritableStream<Buffer, Buffer>) => {
    sendAll(
      decodeByteCount(call.request),
      chunk,
      (bytes) => call.write(bytes),
      () => once(call, "drain"),
    ).then(
      () => call.end(),
      (error: Error) => call.destroy(error),
    );
  };
  const server = new Server({ ...SERVER_OPTIONS_BASE, ...MIGRATION_SERVER_OPTIONS });
  server.addService(BULK_SERVICE, { pull });
  const credentials = identity ? clusterServerCredentials(identity) : ServerCredentials.createInsecure();
  server.bindAsync(`${listenHost}:${listenPort}`, credentials, (error, port) => {
    if (error) throw error;
    ready(port);
  });
}

if (mode === "tcp") serveTcp();
else if (mode === "grpc") serveGrpc();
else {
  process.stderr.write(`bulk-server: mode must be tcp or grpc, not ${mode}\n`);
  process.exit(2);
}
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
