import { describe, expect, it } from "vitest";
import { SimulatedClock } from "./clock.js";
import { runMixedSchedule } from "./clock-timer-schedule.js";

/** Long enough for every kind of step to come up many times. */
const STEP_COUNT = 3000;

function run(timerOf: "ClockTimer" | "setTimer") {
  const clock = new SimulatedClock();
  const log = runMixedSchedule(clock, (ms) => clock.advanceMs(ms), timerOf, STEP_COUNT);
  return { log, fired: clock.timerCountFired, pending: clock.pendingTimerCount() };
}

describe("SimulatedClock.timer", () => {
  it("fires at the instants and in the order of a setTimer per setting, on a mixed schedule", () => {
    const old = run("setTimer");
    expect(old.log.length).toBeGreaterThan(STEP_COUNT);
    expect(run("ClockTimer")).toEqual(old);
  });

  it("re-armed for now while firing, it fires again after the timers already due then", () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    let again = true;
    const timer = clock.timer(() => {
      log.push(`t@${clock.nowMs()}`);
      if (again) timer.arm(0);
      again = false;
    });
    timer.arm(5);
    clock.setTimer(5, () => log.push(`other@${clock.nowMs()}`));
    clock.advanceMs(10);
    expect(log).toEqual(["t@5", "other@5", "t@5"]);
  });

  it("cancelled while due later in the instant being fired, then re-armed, fires only at the new time", () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const timer = clock.timer(() => log.push(`t@${clock.nowMs()}`));
    clock.setTimer(5, () => {
      timer.cancel();
      timer.arm(3);
    });
    timer.arm(5);
    clock.advanceMs(20);
    expect(log).toEqual(["t@8"]);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it("a cancel after firing, and a second cancel, do nothing", () => {
    const clock = new SimulatedClock();
    let count = 0;
    const timer = clock.timer(() => count++);
    timer.arm(1);
    clock.advanceMs(2);
    timer.cancel();
    timer.cancel();
    timer.arm(1);
    clock.advanceMs(2);
    expect(count).toBe(2);
  });
});
