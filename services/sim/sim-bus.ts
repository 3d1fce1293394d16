import { type Bus, type BusHandler, type BusSubscription, subjectMatches } from "../contracts/bus.js";
import { BROKER_ID, type SimNetwork } from "./network.js";

interface Subscription {
  processId: string;
  /** The subscriber's process generation: a crash ends its subscriptions. */
  generation: number;
  pattern: string;
  handler: BusHandler;
}

/**
 * nats-server in the one-process cluster: a publish travels publisher -> broker -> each subscriber
 * over the simulated network, so it meets that network's faults (lost while the publisher is cut off
 * or the broker is down, dropped, delayed, duplicated, reordered) and runs in the subscriber's
 * process (held while it is stalled, lost if it crashed). Subscriptions, as a NATS client's, survive
 * a broker outage: the client resubscribes when it reconnects.
 */
export class SimBroker {
  private readonly exact = new Map<string, Set<Subscription>>();
  private readonly wildcard = new Set<Subscription>();

  constructor(private readonly network: SimNetwork) {}

  /** The bus as process `processId` sees it (its NATS connection). */
  connect(processId: string): Bus {
    return new SimBusConnection(this, processId);
  }

  /** A message as anyone on the broker could publish it (a forged or stale one, for fault tests). */
  inject(subject: string, data: Uint8Array): void {
    this.route(subject, new Uint8Array(data));
  }

  publish(processId: string, subject: string, data: Uint8Array): void {
    const copy = new Uint8Array(data); // a copy (Buffer.slice would share)
    this.network.send(processId, BROKER_ID, () => this.route(subject, copy));
  }

  generationOf(processId: string): number {
    return this.network.process(processId).generation;
  }

  subscribe(subscription: Subscription): () => void {
    const wild = subscription.pattern.includes("*") || subscription.pattern.includes(">");
    if (wild) this.wildcard.add(subscription);
    else {
      const set = this.exact.get(subscription.pattern) ?? new Set();
      set.add(subscription);
      this.exact.set(subscription.pattern, set);
    }
    return () => {
      if (wild) this.wildcard.delete(subscription);
      else this.exact.get(subscription.pattern)?.delete(subscription);
    };
  }

  private route(subject: string, data: Uint8Array): void {
    const targets: Subscription[] = [...(this.exact.get(subject) ?? [])];
    for (const s of this.wildcard) if (subjectMatches(s.pattern, subject)) targets.push(s);
    for (const target of targets) {
      this.network.relay(BROKER_ID, target.processId, () => {
        const alive = this.network.process(target.processId).generation === target.generation;
        if (alive && this.isSubscribed(target)) target.handler(subject, data);
      });
    }
  }

  private isSubscribed(s: Subscription): boolean {
    return this.wildcard.has(s) || (this.exact.get(s.pattern)?.has(s) ?? false);
  }
}

class SimBusConnection implements Bus {
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly broker: SimBroker,
    private readonly processId: string,
  ) {}

  publish(subject: string, data: Uint8Array): void {
    if (this.closed) throw new Error(`SimBus(${this.processId}): publish after close`);
    this.broker.publish(this.processId, subject, data);
  }

  subscribe(pattern: string, handler: BusHandler): BusSubscription {
    const generation = this.broker.generationOf(this.processId);
    const cancel = this.broker.subscribe({ processId: this.processId, generation, pattern, handler });
    this.cancels.add(cancel);
    return {
      unsubscribe: () => {
        cancel();
        this.cancels.delete(cancel);
      },
    };
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    return Promise.resolve();
  }
}
