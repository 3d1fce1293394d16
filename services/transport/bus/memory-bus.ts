import { type Bus, type BusHandler, type BusSubscription, subjectMatches } from "../../contracts/bus.js";

/**
 * An in-process bus for seeded tests and large simulations. Delivery is asynchronous (a microtask
 * later), in publish order, as a NATS client delivers: a publisher never runs subscribers inline.
 */
export class MemoryBus implements Bus {
  private readonly subscriptions = new Set<{ pattern: string; handler: BusHandler }>();
  private pending: Promise<void> = Promise.resolve();
  private closed = false;

  publish(subject: string, data: Uint8Array): void {
    if (this.closed) throw new Error("MemoryBus: publish after close");
    const copy = data.slice();
    const targets = [...this.subscriptions].filter((s) => subjectMatches(s.pattern, subject));
    this.pending = this.pending.then(() => {
      for (const target of targets) if (this.subscriptions.has(target)) target.handler(subject, copy);
    });
  }

  subscribe(pattern: string, handler: BusHandler): BusSubscription {
    const entry = { pattern, handler };
    this.subscriptions.add(entry);
    return { unsubscribe: () => this.subscriptions.delete(entry) };
  }

  flush(): Promise<void> {
    return this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    this.closed = true;
    this.subscriptions.clear();
  }
}
