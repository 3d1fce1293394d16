import { describe, expect, it } from "vitest";
import { Prng } from "../prng.js";
import { EventHeap } from "./event-heap.js";

describe("EventHeap", () => {
  it("pops in time order, ties in push order", () => {
    const heap = new EventHeap<{ atNs: number; sequence: number }>();
    const prng = new Prng(3);
    const pushed = Array.from({ length: 200 }, (_, sequence) => ({ atNs: prng.nextInt(20), sequence }));
    for (const entry of pushed) heap.push(entry);
    const popped: typeof pushed = [];
    for (let entry = heap.pop(); entry; entry = heap.pop()) popped.push(entry);
    const expected = [...pushed].sort((a, b) => a.atNs - b.atNs || a.sequence - b.sequence);
    expect(popped).toEqual(expected);
    expect(heap.size).toBe(0);
  });

  it("keeps the order with pushes and pops interleaved, and peekAtNs is the top's time", () => {
    const heap = new EventHeap<{ atNs: number; sequence: number }>();
    expect(heap.peekAtNs()).toBe(Infinity);
    const prng = new Prng(9);
    const waiting: { atNs: number; sequence: number }[] = [];
    let sequence = 0;
    for (let step = 0; step < 2000; step++) {
      if (waiting.length === 0 || prng.nextInt(3) > 0) {
        // Times past 2^31 ns (2.1 s), as an engine's after a few seconds, with many ties.
        const entry = { atNs: 3e9 + prng.nextInt(50) * 1000, sequence: sequence++ };
        heap.push(entry);
        waiting.push(entry);
      } else {
        waiting.sort((a, b) => a.atNs - b.atNs || a.sequence - b.sequence);
        expect(heap.peekAtNs()).toBe(waiting[0]!.atNs);
        expect(heap.pop()).toBe(waiting.shift());
      }
      expect(heap.size).toBe(waiting.length);
    }
  });
});
