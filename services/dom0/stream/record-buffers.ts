import { assert } from "../../core/errors.js";

/**
 * Bytes of record buffers kept for the next migrations: four senders' writers at the default
 * 64 pages per record (32 writers x ~260 KiB each), after which a buffer given back is dropped.
 */
export const RECORD_BUFFERS_BYTE_COUNT_MAX = 32 * 1024 * 1024;

/**
 * The PAGE_DATA record buffers of migrations that have ended, for the next ones to take instead of
 * allocating their own. A migration's 32 writers hold ~8 MiB outside V8's heap; allocated afresh
 * for every migration (one a simulated second in bench:simcluster:busy), that memory made V8 run a
 * full collection every few migrations. A buffer is given back only once no one reads it (its
 * record was released by the sink, or never sent), and whoever takes it overwrites what it shows.
 */
export class RecordBuffers {
  private readonly freeByByteCount = new Map<number, Buffer[]>();
  private byteCountHeldNow = 0;
  /** Buffers allocated because none of the size was free (for tests and statistics). */
  allocatedCount = 0;

  constructor(readonly byteCountMax: number = RECORD_BUFFERS_BYTE_COUNT_MAX) {}

  /** A buffer of `byteCount` bytes over its own ArrayBuffer (offset 0); its contents are stale. */
  take(byteCount: number): Buffer {
    const buffer = this.freeByByteCount.get(byteCount)?.pop();
    if (buffer !== undefined) {
      this.byteCountHeldNow -= byteCount;
      return buffer;
    }
    this.allocatedCount++;
    // allocUnsafeSlow: an own ArrayBuffer at byteOffset 0, so 8-byte aligned views over it work.
    return Buffer.allocUnsafeSlow(byteCount);
  }

  /** Keeps `buffer` for the next take() of its size, unless that would hold more than byteCountMax. */
  give(buffer: Buffer): void {
    assert(
      buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength,
      "a record buffer is a whole ArrayBuffer",
    );
    if (this.byteCountHeldNow + buffer.byteLength > this.byteCountMax) return;
    let free = this.freeByByteCount.get(buffer.byteLength);
    if (free === undefined) this.freeByByteCount.set(buffer.byteLength, (free = []));
    assert(!free.includes(buffer), "record buffer given back twice");
    free.push(buffer);
    this.byteCountHeldNow += buffer.byteLength;
  }

  get byteCountHeld(): number {
    return this.byteCountHeldNow;
  }
}

/** The process's record buffers, shared by every migration's writers (services/dom0/migrate/writer-pool.ts). */
export const RECORD_BUFFERS = new RecordBuffers();
