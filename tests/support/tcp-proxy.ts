import { createConnection, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** host:port the proxy listens on. */
  readonly address: string;
  /** Where new connections go (host:port); may be set after the proxy started. */
  target: string;
  /** Bytes forwarded so far, both directions. */
  readonly byteCount: number;
  /** Every byte forwarded (both directions, in arrival order), when started with `capture`. */
  captured(): Buffer;
  /** The connection is cut: every socket destroyed, no new connection accepted. */
  cut(): void;
  close(): Promise<void>;
}

/** What a capturing proxy keeps at most (a capture is for reading what crossed the wire). */
export const CAPTURE_BYTE_COUNT_MAX = 512 * 1024 * 1024;

/**
 * A TCP proxy on loopback, to cut a connection between two processes mid-stream, or (`capture`)
 * to record what crossed the wire.
 */
export async function startTcpProxy(listenHost: string, target = "", capture = false): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  let byteCount = 0;
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      byteCount += chunk.length;
      if (capture && byteCount <= CAPTURE_BYTE_COUNT_MAX) chunks.push(chunk);
    });
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) return void client.destroy();
    const [host = "", port = ""] = splitAddress(proxy.target);
    const upstream = createConnection({ host, port: Number(port) });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => {
      const bound = server.address();
      if (typeof bound === "object" && bound) resolve(bound.port);
      else reject(new Error("tcp proxy: no port"));
    });
  });
  const proxy: TcpProxy = {
    address: `${listenHost}:${port}`,
    target,
    get byteCount() {
      return byteCount;
    },
    captured: () => Buffer.concat(chunks),
    cut() {
      isCut = true;
      server.close();
      for (const socket of sockets) socket.destroy();
    },
    close() {
      proxy.cut();
      return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
  return proxy;
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(":");
  if (at < 0) throw new Error(`tcp proxy: target "${address}" is not host:port`);
  return [address.slice(0, at), address.slice(at + 1)];
}
