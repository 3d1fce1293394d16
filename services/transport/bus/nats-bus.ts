import { connect, Events, type ConnectionOptions, type NatsConnection, type Subscription } from "nats";
import type { Bus, BusHandler, BusSubscription } from "../../contracts/bus.js";
import type { BusHealth } from "../../contracts/bus-health.js";

export interface NatsBusOptions {
  servers: string;
  name: string;
  /** How long to keep retrying a lost server; -1 = forever (a host must outlive NATS restarts). */
  maxReconnectAttempts?: number;
  reconnectTimeWaitMs?: number;
  /** TLS and inbox prefix of a secured cluster (services/transport/tls/nats-client.ts). */
  security?: Partial<ConnectionOptions>;
}

/**
 * The bus over a real nats-server, with the `nats` client. Its health is the client's own: down
 * from its "disconnect" status event to its "reconnect" (a server killed is noticed at once, a
 * silent one only when the client's pings go unanswered).
 */
export class NatsBus implements Bus, BusHealth {
  readonly brokerName: string;
  private connected = true;

  private constructor(
    readonly connection: NatsConnection,
    servers: string,
  ) {
    this.brokerName = `nats-server (${servers})`;
    // The status stream ends when the connection closes; a failure of it leaves the last state known.
    this.followStatus().catch(() => undefined);
  }

  isConnected(): boolean {
    return this.connected && !this.connection.isClosed();
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      else if (status.type === Events.Reconnect) this.connected = true;
    }
  }

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const connection = await connect({
      servers: options.servers,
      name: options.name,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      waitOnFirstConnect: false,
      ...options.security,
    });
    return new NatsBus(connection, options.servers);
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
