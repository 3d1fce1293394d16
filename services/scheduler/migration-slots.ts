import { ToolstackError } from "../dom0/errors.js";
import { OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT } from "../dom0/migrate/migration-manager.js";

/** Migrations through the scheduler that may wait for a busy source at once, cluster-wide. */
export const MIGRATION_QUEUE_LENGTH_MAX = 32;

/**
 * Each host sends at most `outboundCountMax` migrations at once (its MigrationManager refuses
 * more). The scheduler keeps the rest in a FIFO queue per source, bounded in total: a migration
 * past the bound is refused with RESOURCE_EXHAUSTED, nothing started.
 */
export class MigrationSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private waitingCount = 0;

  constructor(
    readonly outboundCountMax = OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT,
    readonly queueLengthMax = MIGRATION_QUEUE_LENGTH_MAX,
  ) {}

  /** Migrations waiting for a slot now. */
  get queuedCount(): number {
    return this.waitingCount;
  }

  /** Resolves with a release function once `hostId` can send one more migration. */
  acquire(hostId: string): Promise<() => void> {
    if ((this.running.get(hostId) ?? 0) < this.outboundCountMax) return Promise.resolve(this.take(hostId));
    if (this.waitingCount >= this.queueLengthMax)
      return Promise.reject(
        new ToolstackError(
          "RESOURCE_EXHAUSTED",
          `${hostId} already sends ${this.outboundCountMax} migrations and ${this.waitingCount} wait (queue limit ${this.queueLengthMax}); try again later`,
        ),
      );
    this.waitingCount++;
    return new Promise((resolve) => {
      const queue = this.waiting.get(hostId) ?? [];
      queue.push(() => {
        this.waitingCount--;
        resolve(this.take(hostId));
      });
      this.waiting.set(hostId, queue);
    });
  }

  private take(hostId: string): () => void {
    this.running.set(hostId, (this.running.get(hostId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running.set(hostId, (this.running.get(hostId) ?? 1) - 1);
      this.waiting.get(hostId)?.shift()?.();
    };
  }
}
