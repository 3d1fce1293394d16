import { describe, expect, it } from "vitest";
import { MigrationSlots } from "./migration-slots.js";

describe("MigrationSlots", () => {
  it("lets a source send its limit, queues the rest in order, refuses past the queue bound", async () => {
    const slots = new MigrationSlots(2, 2);
    const first = await slots.acquire("h1");
    await slots.acquire("h1");
    const order: number[] = [];
    const third = slots.acquire("h1").then((release) => (order.push(3), release));
    const fourth = slots.acquire("h1").then((release) => (order.push(4), release));
    expect(slots.queuedCount).toBe(2);
    await expect(slots.acquire("h1")).rejects.toThrow(/queue limit 2/);
    await expect(slots.acquire("h2"), "another source is not held up").resolves.toBeTypeOf("function");
    first();
    first(); // twice is once
    (await third)();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(slots.queuedCount).toBe(0);
  });
});
