import { describe, expect, it } from "vitest";
import { StreamChunk } from "../../gen/xensim/v1/migration.js";
import { RECORD_HEADROOM_BYTE_COUNT } from "../../dom0/stream/page-batch-writer.js";
import { STREAM_CHUNK_PREFIX_BYTE_COUNT_MAX, serializeStreamChunk } from "./migration-service.js";

function bytes(byteCount: number): Uint8Array {
  return Uint8Array.from({ length: byteCount }, (_, i) => (i * 7 + 1) & 0xff);
}

describe("serializeStreamChunk", () => {
  it.each([0, 1, 127, 128, 300_000])("encodes %i bytes as the generated encoder does", (byteCount) => {
    const data = bytes(byteCount);
    const expected = Buffer.from(StreamChunk.encode({ data }).finish());
    // proto3 leaves an empty bytes field out; the hand encoder always writes it, and both decode alike.
    const encoded = serializeStreamChunk({ data });
    expect(Buffer.from(StreamChunk.decode(encoded).data)).toEqual(Buffer.from(data));
    if (byteCount > 0) expect(encoded).toEqual(expected);
  });

  it("writes the prefix into the headroom and returns a view of the same memory", () => {
    const buffer = new Uint8Array(RECORD_HEADROOM_BYTE_COUNT + 200);
    const data = buffer.subarray(RECORD_HEADROOM_BYTE_COUNT);
    data.set(bytes(200));
    const encoded = serializeStreamChunk({ data, headroomByteCount: RECORD_HEADROOM_BYTE_COUNT });
    expect(encoded.buffer).toBe(buffer.buffer);
    expect(encoded.byteOffset).toBe(RECORD_HEADROOM_BYTE_COUNT - 3);
    expect(encoded).toEqual(Buffer.from(StreamChunk.encode({ data: bytes(200) }).finish()));
  });

  it("copies when the headroom is too small for the prefix", () => {
    const buffer = new Uint8Array(2 + 200);
    const data = buffer.subarray(2);
    const encoded = serializeStreamChunk({ data, headroomByteCount: 2 });
    expect(encoded.buffer).not.toBe(buffer.buffer);
    expect(StreamChunk.decode(encoded).data.byteLength).toBe(200);
  });

  it("fits in the headroom PageBatchWriter leaves in front of a record", () => {
    expect(RECORD_HEADROOM_BYTE_COUNT).toBeGreaterThanOrEqual(STREAM_CHUNK_PREFIX_BYTE_COUNT_MAX);
  });
});
