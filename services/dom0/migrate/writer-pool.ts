import { PageBatchWriter } from "../stream/page-batch-writer.js";
import { RECORD_BUFFERS, type RecordBuffers } from "../stream/record-buffers.js";
import { assert } from "../../core/errors.js";

/** PAGE_DATA records in flight at once: each holds its writer's buffer until the sink releases it. */
export const RECORD_COUNT_IN_FLIGHT_MAX = 32;

/**
 * A fixed set of PageBatchWriters, each with its own buffer. A writer goes back to the pool when
 * the sink releases its record, so no record buffer is copied again or allocated per record. The
 * buffers come from, and once the migration is over (dispose) go back to, the process's
 * RecordBuffers: a migration does not allocate its own.
 */
export class WriterPool {
  private readonly free: PageBatchWriter[] = [];
  private readonly waiters: Array<(writer: PageBatchWriter) => void> = [];
  private disposed = false;

  constructor(
    pageCountPerRecord: number,
    onChecksum: (pfn: number, checksum: bigint) => void,
    private readonly recordBuffers: RecordBuffers = RECORD_BUFFERS,
  ) {
    for (let i = 0; i < RECORD_COUNT_IN_FLIGHT_MAX; i++) {
      this.free.push(
        new PageBatchWriter({ pageCountMax: pageCountPerRecord, checksums: true, onChecksum, recordBuffers }),
      );
    }
  }

  acquire(): Promise<PageBatchWriter> {
    assert(!this.disposed, "writer pool used after dispose");
    const writer = this.free.pop();
    if (writer) return Promise.resolve(writer);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(writer: PageBatchWriter): void {
    if (this.disposed) {
      this.recordBuffers.give(writer.retire()); // its record was in flight at the dispose: read now
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(writer);
    else {
      this.free.push(writer);
      assert(this.free.length <= RECORD_COUNT_IN_FLIGHT_MAX, "writer released twice");
    }
  }

  /**
   * The migration is over: the free writers' buffers go back to the RecordBuffers now, those of
   * records still in flight when the sink releases them; the pool is not used again.
   */
  dispose(): void {
    if (this.disposed) return;
    assert(this.waiters.length === 0, "writer pool disposed while a send waits for a writer");
    this.disposed = true;
    for (const writer of this.free.splice(0)) this.recordBuffers.give(writer.retire());
  }

  get freeCount(): number {
    return this.free.length;
  }
}
