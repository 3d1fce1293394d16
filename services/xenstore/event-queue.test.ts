import { describe, expect, it } from "vitest";
import { WatchEventQueue } from "./event-queue.js";
import { watchEventQueueLengthMax } from "./limits.js";
import type { Watch, WatchDelivery } from "./watches.js";

function watchInto(log: string[], token: string): Watch {
  return { path: "/", token, ownerDomid: 0, callback: (path, t) => log.push(`${t}:${path}`) };
}

describe("WatchEventQueue", () => {
  it("delivers in order, including events enqueued by a callback", () => {
    const log: string[] = [];
    const queue = new WatchEventQueue(() => true);
    const plain = watchInto(log, "b");
    const chaining: Watch = {
      ...watchInto(log, "a"),
      callback: (path) => {
        log.push(`a:${path}`);
        queue.enqueue([{ watch: plain, eventPath: "/late" }]);
        queue.drain(); // nested: returns at once, the outer drain delivers
      },
    };
    queue.enqueue([
      { watch: chaining, eventPath: "/1" },
      { watch: plain, eventPath: "/2" },
    ]);
    queue.drain();
    expect(log).toEqual(["a:/1", "b:/2", "b:/late"]);
    expect(queue.pendingCount).toBe(0);
  });

  it("skips watches that are no longer live", () => {
    const log: string[] = [];
    const dead = watchInto(log, "dead");
    const queue = new WatchEventQueue((watch) => watch !== dead);
    queue.enqueue([
      { watch: dead, eventPath: "/x" },
      { watch: watchInto(log, "live"), eventPath: "/x" },
    ]);
    queue.drain();
    expect(log).toEqual(["live:/x"]);
  });

  it("throws past its length limit and is empty afterwards", () => {
    const queue = new WatchEventQueue(() => true);
    const delivery: WatchDelivery = { watch: watchInto([], "t"), eventPath: "/" };
    const tooMany = Array.from({ length: watchEventQueueLengthMax + 1 }, () => delivery);
    expect(() => queue.enqueue(tooMany)).toThrow(/runaway watch loop/);
    expect(queue.pendingCount).toBe(0);
  });

  it("drops the rest when a callback throws, and propagates the error", () => {
    const log: string[] = [];
    const queue = new WatchEventQueue(() => true);
    const throwing: Watch = {
      ...watchInto(log, "x"),
      callback: () => {
        throw new Error("boom");
      },
    };
    queue.enqueue([
      { watch: throwing, eventPath: "/" },
      { watch: watchInto(log, "after"), eventPath: "/" },
    ]);
    expect(() => queue.drain()).toThrow("boom");
    expect(queue.pendingCount).toBe(0);
    queue.enqueue([{ watch: watchInto(log, "next"), eventPath: "/n" }]);
    queue.drain();
    expect(log).toEqual(["next:/n"]);
  });
});
