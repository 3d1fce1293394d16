import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { runMixedSchedule } from "../core/clock-timer-schedule.js";
import { SimProcess } from "./process.js";

const STEP_COUNT = 3000;

/** The mixed schedule on a process that is stalled now and then, and crashes and restarts. */
function run(timerOf: "ClockTimer" | "setTimer") {
  const simClock = new SimulatedClock();
  const process = new SimProcess("host-1", simClock);
  const log = runMixedSchedule(
    process.clock,
    (ms) => simClock.advanceMs(ms),
    timerOf,
    STEP_COUNT,
    (step) => {
      if (step % 37 === 5) process.stall(step % 3 === 0 ? 2.5 : 20);
      if (step % 401 === 200) process.crash();
      if (step % 401 === 230) process.restart();
    },
  );
  return { log, fired: simClock.timerCountFired, pending: simClock.pendingTimerCount() };
}

describe("ProcessClock.timer", () => {
  it("fires at the instants and in the order of a setTimer per setting, through stalls, crashes and restarts", () => {
    const old = run("setTimer");
    expect(old.log.length).toBeGreaterThan(STEP_COUNT);
    expect(run("ClockTimer")).toEqual(old);
  });

  it("a setting due during a stall runs when the stall ends, unless cancelled meanwhile", () => {
    const simClock = new SimulatedClock();
    const process = new SimProcess("host-1", simClock);
    const log: string[] = [];
    const timer = process.clock.timer(() => log.push(`t@${simClock.nowMs()}`));
    timer.arm(5);
    process.stall(10);
    simClock.advanceMs(20);
    timer.arm(5);
    process.stall(10);
    simClock.advanceMs(6);
    timer.cancel();
    simClock.advanceMs(20);
    expect(log).toEqual(["t@10"]);
  });
});
