import { createConnection, createServer, type Socket } from "node:net";

/** A TCP proxy whose link can be cut and healed again, to partition one process from another. */
export interface SwitchableProxy {
  /** host:port the proxy listens on. */
  readonly address: string;
  /** Drops every open connection and refuses new ones (they are accepted and closed at once). */
  cut(): void;
  /** Forwards new connections again. */
  heal(): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(listenHost: string, target: string): Promise<SwitchableProxy> {
  const at = target.lastIndexOf(":");
  const targetHost = target.slice(0, at);
  const targetPort = Number(target.slice(at + 1));
  const sockets = new Set<Socket>();
  let isCut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) return void client.destroy();
    const upstream = createConnection({ host: targetHost, port: targetPort });
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
      else reject(new Error("proxy: no port"));
    });
  });
  return {
    address: `${listenHost}:${port}`,
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      isCut = false;
    },
    close() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
