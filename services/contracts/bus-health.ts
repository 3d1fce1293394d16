/**
 * Whether a process's own connection to the broker is up. The scheduler learns hosts are alive
 * only from their heartbeats on the bus: while its own connection is down, every host falls silent
 * at once, and a refusal that names "rn1 down" would blame the hosts for the broker. Implemented by
 * the NATS bus (transport/bus/nats-bus.ts, from the client's status events) and by the one-process
 * bus (sim/sim-bus.ts, from the broker process and the network); the scheduler only reads it.
 */
export interface BusHealth {
  /** The broker as a user names it: `nats-server (nats://127.0.0.1:4222)`. */
  readonly brokerName: string;
  /** Whether this process can reach the broker now, as far as its client knows. */
  isConnected(): boolean;
}
