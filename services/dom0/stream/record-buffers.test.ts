import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { PageBatchWriter } from "./page-batch-writer.js";
import { RecordBuffers } from "./record-buffers.js";

const PAGE_COUNT_MAX = 8;

function randomPage(prng: Prng): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE_BYTES);
  for (let i = 0; i < PAGE_SIZE_BYTES; i++) page[i] = prng.nextInt(256);
  return page;
}

/** The record a writer makes of `pages` (pfn, bytes), copied out of its buffer. */
function recordOf(writer: PageBatchWriter, pages: ReadonlyArray<[number, Uint8Array]>): Buffer {
  writer.begin();
  for (const [pfn, page] of pages) writer.addPage(pfn, page);
  return Buffer.from(writer.finish());
}

describe("RecordBuffers", () => {
  it("hands a retired writer's buffer to the next writer, which shows none of its stale bytes", () => {
    const prng = new Prng(7);
    const buffers = new RecordBuffers();
    const first = new PageBatchWriter({ pageCountMax: PAGE_COUNT_MAX, recordBuffers: buffers });
    // A full record of random pages leaves every byte of the buffer written.
    recordOf(
      first,
      Array.from({ length: PAGE_COUNT_MAX }, (_, i): [number, Uint8Array] => [i, randomPage(prng)]),
    );
    buffers.give(first.retire());
    expect(() => first.begin()).toThrow(/retired/);

    const reused = new PageBatchWriter({ pageCountMax: PAGE_COUNT_MAX, recordBuffers: buffers });
    const fresh = new PageBatchWriter({ pageCountMax: PAGE_COUNT_MAX });
    expect(buffers.allocatedCount).toBe(1); // the second writer took the first one's buffer
    const smaller: Array<[number, Uint8Array]> = [
      [40, new Uint8Array(PAGE_SIZE_BYTES)],
      [41, randomPage(prng)],
      [99, randomPage(prng)],
    ];
    expect(recordOf(reused, smaller).equals(recordOf(fresh, smaller))).toBe(true);
  });

  it("allocates when none of the size is free, and keeps no more than its limit", () => {
    const buffers = new RecordBuffers(3 * 1024);
    const a = buffers.take(1024);
    const b = buffers.take(1024);
    const big = buffers.take(2048);
    expect(buffers.allocatedCount).toBe(3);
    buffers.give(a);
    buffers.give(big);
    buffers.give(b); // over the limit: dropped
    expect(buffers.byteCountHeld).toBe(3 * 1024);
    expect(buffers.take(2048)).toBe(big);
    expect(buffers.take(1024)).toBe(a);
    expect(buffers.take(1024)).not.toBe(b);
    expect(buffers.allocatedCount).toBe(4);
    expect(() => buffers.give(Buffer.from(new Uint8Array(64)).subarray(8))).toThrow(/whole/);
  });

  it("refuses a buffer given back twice", () => {
    const buffers = new RecordBuffers();
    const buffer = buffers.take(1024);
    buffers.give(buffer);
    expect(() => buffers.give(buffer)).toThrow(/twice/);
  });
});
