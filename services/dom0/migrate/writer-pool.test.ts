import { describe, expect, it } from "vitest";
import { RecordBuffers } from "../stream/record-buffers.js";
import { RECORD_COUNT_IN_FLIGHT_MAX, WriterPool } from "./writer-pool.js";

const PAGE_COUNT_PER_RECORD = 4;
const noChecksum = () => undefined;

describe("WriterPool", () => {
  it("takes its writers' buffers from the RecordBuffers and gives them back once the migration is over", async () => {
    const buffers = new RecordBuffers();
    const first = new WriterPool(PAGE_COUNT_PER_RECORD, noChecksum, buffers);
    expect(buffers.allocatedCount).toBe(RECORD_COUNT_IN_FLIGHT_MAX);
    const inFlight = await first.acquire();
    first.dispose();
    expect(() => first.acquire()).toThrow(/after dispose/);
    // A second migration reuses the free ones; the writer in flight is not given back yet.
    const second = new WriterPool(PAGE_COUNT_PER_RECORD, noChecksum, buffers);
    expect(buffers.allocatedCount).toBe(RECORD_COUNT_IN_FLIGHT_MAX + 1);
    expect(() => inFlight.begin()).not.toThrow();
    // Its record is released after the dispose: its buffer goes back then, and the writer is done.
    first.release(inFlight);
    expect(() => inFlight.begin()).toThrow(/retired/);
    second.dispose();
    new WriterPool(PAGE_COUNT_PER_RECORD, noChecksum, buffers);
    expect(buffers.allocatedCount).toBe(RECORD_COUNT_IN_FLIGHT_MAX + 1);
  });

  it("hands a released writer to a waiting send before the dispose", async () => {
    const pool = new WriterPool(PAGE_COUNT_PER_RECORD, noChecksum, new RecordBuffers());
    const writers = await Promise.all(
      Array.from({ length: RECORD_COUNT_IN_FLIGHT_MAX }, () => pool.acquire()),
    );
    const waiting = pool.acquire();
    pool.release(writers[0]!);
    await expect(waiting).resolves.toBe(writers[0]);
  });
});
