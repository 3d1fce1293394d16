import { PageBatchWriter } from "../stream/page-batch-writer.js";
import { assert } from "../../core/errors.js";

/** PAGE_DATA records in flight at once: each holds its writer's buffer until the sink releases it. */
export const RECORD_COUNT_IN_FLIGHT_MAX = 32;

/**
 * A fixed set of PageBatchWriters, each with its own buffer. A writer goes back to the pool when
 * the sink releases its record, so no record buffer is copied again or allocated per record.
 */
export class WriterPool {
  private readonly free: PageBatchWriter[] = [];
  private readonly waiters: Array<(writer: PageBatchWriter) => void> = [];

  constructor(pageCountPerRecord: number, onChecksum: (pfn: number, checksum: bigint) => void) {
    for (let i = 0; i < RECORD_COUNT_IN_FLIGHT_MAX; i++) {
      this.free.push(new PageBatchWriter({ pageCountMax: pageCountPerRecord, checksums: true, onChecksum }));
    }
  }

  acquire(): Promise<PageBatchWriter> {
    const writer = this.free.pop();
    if (writer) return Promise.resolve(writer);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(writer: PageBatchWriter): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(writer);
    else {
      this.free.push(writer);
      assert(this.free.length <= RECORD_COUNT_IN_FLIGHT_MAX, "writer released twice");
    }
  }

  get freeCount(): number {
    return this.free.length;
  }
}
