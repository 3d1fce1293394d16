import { describe, expect, it } from "vitest";
import { RequestQueue, emptyCompletion } from "./request-queue.js";

describe("RequestQueue", () => {
  it("accounts slots: full after slotCount requests, empty once all are completed", () => {
    const queue = new RequestQueue(4);
    expect(queue.isEmpty).toBe(true);
    queue.push(3, 0, 0);
    queue.push(1, 1, 1);
    expect(queue.slotCountFree).toBe(0);
    expect(() => queue.push(1, 1, 0)).toThrow("assertion failed");
    const done = emptyCompletion();
    queue.complete(4, 2, done);
    expect(queue.isEmpty).toBe(true);
    expect(done.countByTag).toEqual([3, 1]);
  });

  it("completes in submission order and sums the time each request waited", () => {
    const queue = new RequestQueue(8);
    queue.push(2, 10, 0);
    queue.push(2, 10, 0); // same step and tag: one batch
    queue.push(3, 11, 1);
    const done = emptyCompletion();
    queue.complete(5, 13, done); // 4 tag-0 requests waited 3 steps, 1 tag-1 request 2
    expect(done).toEqual({ countByTag: [4, 1], waitTotalByTag: [12, 2] });
    expect(queue.requestCountInFlight).toBe(2);
  });

  it("moves its oldest requests to another queue, keeping when they were submitted", () => {
    const backlog = new RequestQueue(10);
    const ring = new RequestQueue(3);
    backlog.push(2, 5, 0);
    backlog.push(4, 6, 1);
    backlog.moveTo(ring, 3);
    expect(backlog.requestCountInFlight).toBe(3);
    expect(ring.slotCountFree).toBe(0);
    const done = emptyCompletion();
    ring.complete(3, 9, done);
    expect(done).toEqual({ countByTag: [2, 1], waitTotalByTag: [8, 3] });
  });

  it("wraps around its circular buffer without losing order", () => {
    const queue = new RequestQueue(2);
    const done = emptyCompletion();
    for (let step = 0; step < 10; step++) {
      queue.push(1, step, (step % 2) as 0 | 1);
      if (step > 0) queue.complete(1, step, done);
    }
    expect(done.countByTag).toEqual([5, 4]);
    expect(done.waitTotalByTag).toEqual([5, 4]);
    expect(queue.requestCountInFlight).toBe(1);
  });
});
