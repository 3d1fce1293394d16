import { describe, expect, it } from "vitest";
import { SimulatedClock } from "./clock.js";
import { settleWithinMs } from "./settle-within.js";

describe("settleWithinMs", () => {
  it("true when the work settles in time, false when not, and a late rejection is not unhandled", async () => {
    const clock = new SimulatedClock();
    let finish!: () => void;
    const slow = new Promise<void>((r) => (finish = r));
    const inTime = settleWithinMs(clock, Promise.resolve(), 100);
    expect(await inTime).toBe(true);
    const late = settleWithinMs(clock, slow, 100);
    clock.advanceMs(100);
    expect(await late).toBe(false);
    finish();
    let failLate!: (e: Error) => void;
    const failing = new Promise<void>((_, reject) => (failLate = reject));
    const lateFailure = settleWithinMs(clock, failing, 50);
    clock.advanceMs(50);
    expect(await lateFailure).toBe(false);
    failLate(new Error("late"));
    await Promise.resolve();
  });

  it("rethrows a rejection that comes in time, and leaves no timer behind", async () => {
    const clock = new SimulatedClock();
    await expect(settleWithinMs(clock, Promise.reject(new Error("no")), 100)).rejects.toThrow("no");
    expect(clock.pendingTimerCount()).toBe(0);
  });
});
