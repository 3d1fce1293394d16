import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { runMixedSchedule } from "../core/clock-timer-schedule.js";
import type { Clock, ClockTimer } from "../core/clock.js";
import { ProcessTimerRecord, SimProcess } from "./process.js";

const STEP_COUNT = 3000;

/** A record that calls `fn` (the test's ClockTimer below places it). */
class FnRecord extends ProcessTimerRecord {
  fired = false;

  constructor(
    process: SimProcess,
    private readonly onFire: () => void,
  ) {
    super(process);
  }

  placeIn(delayMs: number): void {
    this.fired = false;
    this.place(delayMs);
  }

  cancel(): void {
    this.cancelPlaced();
  }

  protected due(): void {
    this.fired = true;
    this.onFire();
  }
}

/** A ClockTimer of ProcessTimerRecords as a caller uses them: placed again once fired, else a new one. */
function recordTimer(process: SimProcess, fn: () => void): ClockTimer {
  let record: FnRecord | undefined;
  return {
    arm(delayMs: number): void {
      record?.cancel();
      if (record === undefined || !record.fired) record = new FnRecord(process, fn);
      record.placeIn(delayMs);
    },
    cancel: () => record?.cancel(),
  };
}

/** The mixed schedule on a process that is stalled now and then, and crashes and restarts. */
function run(timerOf: "ClockTimer" | "setTimer" | "ProcessTimerRecord") {
  const simClock = new SimulatedClock();
  const process = new SimProcess("host-1", simClock);
  const clock: Clock =
    timerOf === "ProcessTimerRecord"
      ? {
          nowNs: () => process.clock.nowNs(),
          nowMs: () => process.clock.nowMs(),
          setTimer: (delayMs, fn) => process.clock.setTimer(delayMs, fn),
          timer: (fn) => recordTimer(process, fn),
        }
      : process.clock;
  const log = runMixedSchedule(
    clock,
    (ms) => simClock.advanceMs(ms),
    timerOf === "setTimer" ? "setTimer" : "ClockTimer",
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

  it("as ProcessTimerRecords, placed again once fired (simCall's deadline and keepalive), fires as a setTimer per setting", () => {
    expect(run("ProcessTimerRecord")).toEqual(run("setTimer"));
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
