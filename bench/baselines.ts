import { join } from "node:path";
import { connect } from "node:net";
import { connect as connectTls } from "node:tls";
import type { ChildSet } from "./children.js";
import { connectBulk, encodeByteCount, pullGrpc } from "./bulk-service.js";
import type { BenchPki } from "./bench-pki.js";

const BULK_SERVER_PATH = join(import.meta.dirname, "bulk-server.js");
/** Pulled once before the measured runs, so JIT and connections are warm. */
export const WARMUP_BYTE_COUNT = 64 * 1024 * 1024;

export interface BaselineSamples {
  /** One figure per run, bytes per second. */
  tcpBytesPerSecond: number[];
  grpcBytesPerSecond: number[];
}

/**
 * Pulls `byteCount` bytes over a raw TCP connection (over node's TLS, as the operator of `pki`,
 * when given); resolves with the bytes received.
 */
export function pullTcp(address: string, byteCount: number, pki?: BenchPki): Promise<number> {
  const [host = "127.0.0.1", port = "0"] = address.split(":");
  const identity = pki?.operator.kind === "tls" ? pki.operator.identity : undefined;
  let received = 0;
  return new Promise((resolve, reject) => {
    const request = () => socket.write(encodeByteCount(byteCount));
    const socket = identity
      ? connectTls(
          {
            host,
            port: Number(port),
            ca: identity.caPem,
            cert: identity.certPem,
            key: identity.keyPem,
            checkServerIdentity: () => undefined,
          },
          request,
        )
      : connect({ host, port: Number(port) }, request);
    socket.on("data", (chunk: Buffer) => (received += chunk.byteLength));
    socket.on("error", reject);
    socket.on("end", () => resolve(received));
  });
}

async function timed(byteCount: number, pull: (byteCount: number) => Promise<number>): Promise<number> {
  const started = performance.now();
  const received = await pull(byteCount);
  const elapsedMs = performance.now() - started;
  if (received !== byteCount) throw new Error(`baseline: received ${received} of ${byteCount} bytes`);
  return (byteCount * 1000) / elapsedMs;
}

async function sample(
  runCount: number,
  byteCount: number,
  pull: (byteCount: number) => Promise<number>,
): Promise<number[]> {
  await timed(WARMUP_BYTE_COUNT, pull);
  const samples: number[] = [];
  for (let run = 0; run < runCount; run++) samples.push(await timed(byteCount, pull));
  return samples;
}

/**
 * Raw TCP, then the bare grpc-js stream, each from a server in its own process on `listenHost`;
 * with `pki`, both over the cluster's TLS (mutual, as between hosts).
 */
export async function runBaselines(
  children: ChildSet,
  listenHost: string,
  byteCount: number,
  runCount: number,
  pki?: BenchPki,
): Promise<BaselineSamples> {
  const serverArgs = (mode: string) => [mode, `${listenHost}:0`, ...(pki ? [pki.dir] : [])];
  const tcp = await children.startNode("tcp-server", BULK_SERVER_PATH, serverArgs("tcp"));
  let tcpBytesPerSecond: number[];
  try {
    tcpBytesPerSecond = await sample(runCount, byteCount, (n) => pullTcp(tcp.address, n, pki));
  } finally {
    await children.stop(tcp.process);
  }
  const grpc = await children.startNode("grpc-server", BULK_SERVER_PATH, serverArgs("grpc"));
  const client = connectBulk(grpc.address, pki?.operator);
  try {
    const grpcBytesPerSecond = await sample(runCount, byteCount, (n) => pullGrpc(client, n));
    return { tcpBytesPerSecond, grpcBytesPerSecond };
  } finally {
    client.close();
    await children.stop(grpc.process);
  }
}
