import { watchEventCountPerDrainMax, watchEventQueueLengthMax } from "./limits.js";
import type { Watch, WatchDelivery } from "./watches.js";

/**
 * Watch events waiting for their callbacks. A store enqueues the events of a change once the change
 * is complete, then drains. A callback that changes the store only enqueues more events: the drain
 * already running delivers them after the current ones, in order, so no iteration is disturbed.
 */
export class WatchEventQueue {
  private pending: WatchDelivery[] = [];
  private headIndex = 0;
  private draining = false;

  /** `isLive` tells whether a watch is still registered; events of removed watches are dropped. */
  constructor(private readonly isLive: (watch: Watch) => boolean) {}

  get pendingCount(): number {
    return this.pending.length - this.headIndex;
  }

  enqueue(deliveries: readonly WatchDelivery[]): void {
    if (deliveries.length === 0) return; // most changes fire no watch; the queue is never over its bound
    if (this.pendingCount + deliveries.length > watchEventQueueLengthMax) {
      this.clear();
      throw new Error(
        `xenstore: more than ${watchEventQueueLengthMax} watch events pending: a runaway watch loop`,
      );
    }
    this.pending.push(...deliveries);
  }

  /**
   * Delivers pending events in order. A nested call (from a callback) returns at once: the outer
   * drain delivers. If a callback throws, the rest of the queue is dropped and the error propagates.
   */
  drain(): void {
    // Outside a drain the queue starts at its head: nothing pending, nothing to deliver or clear.
    if (this.draining || this.pending.length === 0) return;
    this.draining = true;
    try {
      this.deliverAll();
    } finally {
      this.clear();
      this.draining = false;
    }
  }

  private deliverAll(): void {
    let deliveredCount = 0;
    while (this.headIndex < this.pending.length) {
      const delivery = this.pending[this.headIndex];
      this.headIndex += 1;
      if (delivery === undefined) throw new Error("xenstore: hole in the watch event queue");
      if (!this.isLive(delivery.watch)) continue;
      deliveredCount += 1;
      if (deliveredCount > watchEventCountPerDrainMax) {
        throw new Error(
          `xenstore: more than ${watchEventCountPerDrainMax} watch events in one drain: a runaway watch loop`,
        );
      }
      delivery.watch.callback(delivery.eventPath, delivery.watch.token);
    }
  }

  private clear(): void {
    this.pending = [];
    this.headIndex = 0;
  }
}
