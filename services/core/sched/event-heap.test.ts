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
});
