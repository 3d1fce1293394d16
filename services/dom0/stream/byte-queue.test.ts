import { describe, expect, it } from "vitest";
import { ByteQueue } from "./byte-queue.js";

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

describe("ByteQueue", () => {
  it("returns a view, not a copy, when the span lies in one chunk", () => {
    const queue = new ByteQueue();
    const chunk = new Uint8Array(1000).fill(7);
    queue.push(chunk);
    const span = queue.span(600);
    expect(span.buffer).toBe(chunk.buffer);
    expect(span.byteOffset).toBe(chunk.byteOffset);
  });

  it("assembles a span that straddles chunks and reads u32s across chunk boundaries", () => {
    const queue = new ByteQueue();
    const big = new Uint8Array(600).fill(1);
    queue.push(big);
    queue.push(new Uint8Array(600).fill(2));
    queue.discard(598);
    expect(Array.from(queue.span(4))).toEqual([1, 1, 2, 2]);
    expect(queue.u32At(0)).toBe(0x02020101);
    expect(queue.byteCountConsumed).toBe(598);
    expect(queue.byteCount).toBe(602);
  });

  it("coalesces tiny chunks and keeps their order", () => {
    const queue = new ByteQueue();
    for (let value = 0; value < 200; value++) queue.push(bytes(value));
    queue.discard(10);
    expect(queue.u32At(0)).toBe(0x0d0c0b0a);
    expect(Array.from(queue.span(5))).toEqual([10, 11, 12, 13, 14]);
    queue.discard(190);
    expect(queue.byteCount).toBe(0);
    queue.push(bytes(1, 2, 3, 4));
    expect(queue.u32At(0)).toBe(0x04030201);
  });

  it("refuses to read or discard past the buffered bytes", () => {
    const queue = new ByteQueue();
    queue.push(bytes(1, 2, 3));
    expect(() => queue.u32At(0)).toThrow();
    expect(() => queue.span(4)).toThrow();
    expect(() => queue.discard(4)).toThrow();
  });
});
