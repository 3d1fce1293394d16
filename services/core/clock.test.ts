import { delayToGridMs, everyOnGrid } from "./simulation.js";
import { describe, expect, it } from "vitest";
import { SimulatedClock, TimerRecord } from "./clock.js";
import { Prng } from "./prng.js";

/** The reference: the scan over all timers that SimulatedClock used before its heap. */
class ScanClock {
  timeNs = 0n;
  private timers: { dueNs: bigint; sequence: number; fn: () => void }[] = [];
  private sequenceNext = 0;
  setTimer(delayMs: number, fn: () => void): () => void {
    const timer = {
      dueNs: this.timeNs + BigInt(Math.round(delayMs * 1e6)),
      sequence: this.sequenceNext++,
      fn,
    };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }
  advanceMs(deltaMs: number): void {
    const targetNs = this.timeNs + BigInt(Math.round(deltaMs * 1e6));
    for (;;) {
      const due = this.timers.filter((t) => t.dueNs <= targetNs);
      if (due.length === 0) break;
      const next = due.reduce((a, b) =>
        b.dueNs < a.dueNs || (b.dueNs === a.dueNs && b.sequence < a.sequence) ? b : a,
      );
      this.timers = this.timers.filter((t) => t !== next);
      this.timeNs = next.dueNs;
      next.fn();
    }
    this.timeNs = targetNs;
  }
}

/** Drives a clock through the same seeded script of set, cancel (also from inside timers) and advance. */
function script(
  clock: { setTimer: ScanClock["setTimer"]; advanceMs(ms: number): void },
  nowNs: () => bigint,
  seed = 42,
  delayMsOf: (prng: Prng) => number = (prng) => (prng.nextInt(4) === 0 ? 0 : prng.nextInt(50) / 2),
): string[] {
  const prng = new Prng(seed);
  const log: string[] = [];
  const cancels: (() => void)[] = [];
  let id = 0;
  const set = (depth: number) => {
    const mine = id++;
    const delayMs = delayMsOf(prng);
    cancels.push(
      clock.setTimer(delayMs, () => {
        log.push(`${mine}@${nowNs()}`);
        if (depth < 3 && prng.nextInt(3) === 0) set(depth + 1);
        if (prng.nextInt(5) === 0) cancels[prng.nextInt(cancels.length)]!();
      }),
    );
  };
  for (let step = 0; step < 3000; step++) {
    const action = prng.nextInt(10);
    if (action < 5) set(0);
    else if (action < 7 && cancels.length > 0) cancels[prng.nextInt(cancels.length)]!();
    else clock.advanceMs(prng.nextInt(20) / 4);
  }
  clock.advanceMs(1000);
  return log;
}

describe("SimulatedClock", () => {
  it("fires exactly as the scan over all timers did: due order, ties in the order set, cancels honoured", () => {
    const heap = new SimulatedClock();
    const scan = new ScanClock();
    const fired = script(heap, () => heap.nowNs());
    expect(fired.length).toBeGreaterThan(1000);
    expect(fired).toEqual(script(scan, () => scan.timeNs));
    expect(heap.pendingTimerCount()).toBe(0);
  });

  it("fires a shared grid (many timers per instant, cancels within it) exactly as the scan did", () => {
    const onGrid = (prng: Prng) => prng.nextInt(3);
    for (const seed of [1, 2, 3]) {
      const clock = new SimulatedClock();
      const scan = new ScanClock();
      const fired = script(clock, () => clock.nowNs(), seed, onGrid);
      expect(fired.length).toBeGreaterThan(1000);
      expect(fired).toEqual(script(scan, () => scan.timeNs, seed, onGrid));
      expect(clock.pendingTimerCount()).toBe(0);
    }
  });

  it("a timer that throws leaves the rest of its instant due, in order", () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    clock.setTimer(1, () => fired.push("a"));
    clock.setTimer(1, () => {
      throw new Error("boom");
    });
    clock.setTimer(1, () => fired.push("c"));
    clock.setTimer(2, () => fired.push("d"));
    expect(() => clock.advanceMs(5)).toThrow("boom");
    expect(fired).toEqual(["a"]);
    expect(clock.pendingTimerCount()).toBe(2);
    clock.advanceMs(5);
    expect(fired).toEqual(["a", "c", "d"]);
  });

  it("an instant whose timers are all cancelled while it fires still takes new ones, after them", () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    const cancels: (() => void)[] = [];
    clock.setTimer(1, () => {
      fired.push("a");
      for (const cancel of cancels) cancel();
      clock.setTimer(0, () => fired.push("d"));
    });
    cancels.push(clock.setTimer(1, () => fired.push("b")));
    cancels.push(clock.setTimer(1, () => fired.push("c")));
    clock.setTimer(1, () => fired.push("e"));
    clock.advanceMs(1);
    expect(fired).toEqual(["a", "e", "d"]);
    expect(clock.pendingTimerCount()).toBe(0);
    expect(clock.timerCountFired).toBe(3);
  });

  it("counts pending timers and finds the next one past cancelled ones", () => {
    const clock = new SimulatedClock();
    const cancelFirst = clock.setTimer(5, () => undefined);
    clock.setTimer(7, () => undefined);
    expect(clock.pendingTimerCount()).toBe(2);
    expect(clock.nextTimerDueMs()).toBe(5);
    cancelFirst();
    cancelFirst();
    expect(clock.pendingTimerCount()).toBe(1);
    expect(clock.nextTimerDueMs()).toBe(7);
    clock.advanceMs(7);
    expect(clock.nextTimerDueMs()).toBeUndefined();
    expect(clock.nowMs()).toBe(7);
  });

  it("stays correct while many cancelled timers are swept out of the heap", () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    const cancels = Array.from({ length: 5000 }, (_, i) => clock.setTimer(i + 1, () => fired.push(i)));
    for (let i = 0; i < 5000; i++) if (i % 10 !== 0) cancels[i]!();
    expect(clock.pendingTimerCount()).toBe(500);
    clock.advanceMs(10_000);
    expect(fired).toEqual(Array.from({ length: 500 }, (_, k) => k * 10));
  });

  it("fires a record's function with the record as this, in its place among the others", () => {
    class Labelled extends TimerRecord {
      constructor(
        readonly label: string,
        readonly log: string[],
      ) {
        super(function (this: Labelled) {
          this.log.push(this.label);
        });
      }
    }
    const clock = new SimulatedClock();
    const log: string[] = [];
    clock.setTimer(5, () => log.push("closure"));
    clock.placeTimer(5, new Labelled("record", log));
    clock.placeTimer(1, new Labelled("first", log));
    clock.advanceMs(5);
    expect(log).toEqual(["first", "closure", "record"]);
  });

  it("a timer cancelled after it fired changes nothing", () => {
    const clock = new SimulatedClock();
    let count = 0;
    const cancel = clock.setTimer(1, () => count++);
    clock.advanceMs(1);
    cancel();
    clock.setTimer(1, () => count++);
    expect(clock.pendingTimerCount()).toBe(1);
    clock.advanceMs(1);
    expect(count).toBe(2);
  });

  it("refuses negative delays and time past its range, loudly", () => {
    const clock = new SimulatedClock();
    expect(() => clock.setTimer(-1, () => undefined)).toThrow(/not >= 0/);
    expect(() => clock.advanceMs(Number.NaN)).toThrow(/not >= 0/);
    expect(() => clock.setTimer(1e12, () => undefined)).toThrow(/past/);
  });
});

describe("timers on a shared grid (services/core/simulation.ts)", () => {
  it("fire at the multiples of the period whenever they were started, all in the same step", () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    const stopA = everyOnGrid(clock, 10, () => fired.push(`a@${clock.nowMs()}`));
    clock.advanceMs(3.5);
    const stopB = everyOnGrid(clock, 10, () => fired.push(`b@${clock.nowMs()}`));
    clock.advanceMs(26.5);
    expect(fired).toEqual(["a@10", "b@10", "a@20", "b@20", "a@30", "b@30"]);
    stopA();
    stopB();
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it("a delay to the grid is never zero: on a multiple, the next one", () => {
    expect(delayToGridMs(0, 10)).toBe(10);
    expect(delayToGridMs(20, 10)).toBe(10);
    expect(delayToGridMs(21, 10)).toBe(9);
    expect(delayToGridMs(29.999, 10)).toBeCloseTo(0.001, 9);
  });

  it("a delay to the grid is the float remainder's, whole or not, inside int32 or past it", () => {
    const floatDelayMs = (nowMs: number, periodMs: number) => {
      const delayMs = periodMs - (nowMs % periodMs);
      return delayMs > 0 ? delayMs : periodMs;
    };
    const prng = new Prng(7);
    const periodsMs = [1, 10, 1000, 7000, 0.5, 2.5, 2 ** 31 - 1, 2 ** 31, 3e9];
    const nowsMs = [0, 1, 999, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 9e12, 0.25, 1234.5678];
    for (let i = 0; i < 3000; i++) {
      const wholeMs = prng.nextU32() % (i % 2 === 0 ? 4_000_000 : 2 ** 32);
      nowsMs.push(wholeMs, wholeMs + prng.nextFloat(), (prng.nextU32() * 1000 + prng.nextU32()) / 1e6);
    }
    for (const periodMs of periodsMs)
      for (const nowMs of nowsMs) expect(delayToGridMs(nowMs, periodMs)).toBe(floatDelayMs(nowMs, periodMs));
  });

  it("counts the timers it fired (the simulation's events), not those cancelled", () => {
    const clock = new SimulatedClock();
    clock.setTimer(1, () => undefined);
    const cancel = clock.setTimer(2, () => undefined);
    cancel();
    clock.advanceMs(5);
    expect(clock.timerCountFired).toBe(1);
  });
});
