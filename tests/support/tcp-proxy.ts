import { createConnection, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** host:port the proxy listens on. */
  readonly address: string;
  /** Where new connections go (host:port); may be set after the proxy started. */
  target: string;
  /** Bytes forwarded so far, both directions. */
  readonly byteCount: number;
  /** The connection is cut: every socket destroyed, no new connection accepted. */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP proxy on loopback, to cut a connection between two host processes mid-stream. */
export async function startTcpProxy(listenHost: string, target = ""): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let byteCount = 0;
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => (byteCount += chunk.length));
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
