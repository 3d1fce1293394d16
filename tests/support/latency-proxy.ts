import { createConnection, createServer, type Socket } from "node:net";

/** A TCP proxy on loopback that holds every chunk `latencyMs` each way (a slow link, in order). */
export interface LatencyProxy {
  /** host:port the proxy listens on. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startLatencyProxy(
  listenHost: string,
  target: string,
  latencyMs: number,
): Promise<LatencyProxy> {
  const at = target.lastIndexOf(":");
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const forward = (from: Socket, to: Socket) => {
    from.on("data", (chunk) => setTimeout(() => to.destroyed || to.write(chunk), latencyMs));
    from.on("close", () => setTimeout(() => to.destroy(), latencyMs));
  };
  const server = createServer((client) => {
    track(client);
    const upstream = createConnection({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => {
      const bound = server.address();
      if (typeof bound === "object" && bound) resolve(bound.port);
      else reject(new Error("latency proxy: no port"));
    });
  });
  return {
    address: `${listenHost}:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
