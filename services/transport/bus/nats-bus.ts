import { connect, type ConnectionOptions, type NatsConnection, type Subscription } from "nats";
import type { Bus, BusHandler, BusSubscription } from "../../contracts/bus.js";

export interface NatsBusOptions {
  servers: string;
  name: string;
  /** How long to keep retrying a lost server; -1 = forever (a host must outlive NATS restarts). */
  maxReconnectAttempts?: number;
  reconnectTimeWaitMs?: number;
  /** TLS and inbox prefix of a secured cluster (services/transport/tls/nats-client.ts). */
  security?: Partial<ConnectionOptions>;
}

/** The bus over a real nats-server, with the `nats` client. */
export class NatsBus implements Bus {
  private constructor(readonly connection: NatsConnection) {}

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const connection = await connect({
      servers: options.servers,
      name: options.name,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      waitOnFirstConnect: false,
      ...options.security,
    });
    return new NatsBus(connection);
  }

  publish(subject: string, data: Uint8Array): void {
    this.connection.publish(subject, data);
  }

  subscribe(pattern: string, handler: BusHandler): BusSubscription {
    const subscription: Subscription = this.connection.subscribe(pattern, {
      callback: (error, message) => {
        if (!error) handler(message.subject, message.data);
      },
    });
    return { unsubscribe: () => subscription.unsubscribe() };
  }

  flush(): Promise<void> {
    return this.connection.flush();
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}
