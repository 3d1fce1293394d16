import { afterEach, describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "./clock.js";
import { Prng } from "./prng.js";
import { STEP_COUNT_PER_LOOP_TURN_MAX, runSimulation } from "./simulation.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A chain of `hopCount` zero-delay timers, each set from a promise continuation of the one before. */
function zeroDelayHops(clock: SimulatedClock, hopCount: number, onHop: (hop: number) => void = () => {}) {
  return new Promise<number>((resolve) => {
    let hops = 0;
    const hop = (): void => {
      onHop(++hops);
      if (hops === hopCount) resolve(hops);
      else void Promise.resolve().then(() => clock.setTimer(0, hop));
    };
    clock.setTimer(0, hop);
  });
}

/**
 * runSimulation as it was with an event-loop turn before every step: the order every run had, which
 * a step that waits for its promise chains otherwise must keep.
 */
async function runWithATurnPerStep<T>(clock: SimulatedClock, work: Promise<T>): Promise<T> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (settled) break;
    const dueMs = clock.nextTimerDueMs();
    if (dueMs === undefined) throw new Error("nothing due");
    clock.advanceMs(Math.max(0, dueMs - clock.nowMs()));
  }
  return work;
}

/**
 * A seeded tangle of timers (zero and non-zero delays) and promise chains of several depths, each
 * event written to the trace: the order of timers and continuations a run rests on.
 */
function tangle(clock: SimulatedClock, seed: number, trace: string[]): Promise<void> {
  const prng = new Prng(seed);
  let open = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const chainDepth = async (name: string, depth: number): Promise<void> => {
    for (let i = 0; i < depth; i++) await Promise.resolve();
    trace.push(`${name} after ${depth} hops at ${clock.nowMs()}`);
  };
  const start = (name: string, generation: number): void => {
    open++;
    const delayMs = prng.nextU32() % 3 === 0 ? 0 : prng.nextU32() % 4;
    clock.setTimer(delayMs, () => {
      trace.push(`${name} fired at ${clock.nowMs()}`);
      void chainDepth(name, prng.nextU32() % 5).then(() => {
        if (generation < 4)
          for (let i = prng.nextU32() % 3; i > 0; i--) start(`${name}.${i}`, generation + 1);
        if (--open === 0) finish();
      });
    });
  };
  for (let i = 0; i < 4; i++) start(`t${i}`, 0);
  return done;
}

describe("runSimulation", () => {
  it("takes no event-loop turn for most steps", async () => {
    const clock = new SimulatedClock();
    const immediate = vi.spyOn(globalThis, "setImmediate");
    await expect(runSimulation(clock, zeroDelayHops(clock, 200))).resolves.toBe(200);
    // The first step's turn only; one per step before.
    expect(immediate.mock.calls.length).toBe(1);
  });

  it("fires timers after the same promise continuations as a turn per step did", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const turnPerStep: string[] = [];
      const clockA = new SimulatedClock();
      await runWithATurnPerStep(clockA, tangle(clockA, seed, turnPerStep));
      const run: string[] = [];
      const clockB = new SimulatedClock();
      await runSimulation(clockB, tangle(clockB, seed, run));
      expect(run).toEqual(turnPerStep);
      expect(run.length).toBeGreaterThan(8);
    }
  });

  it("gives the event loop a turn at least every STEP_COUNT_PER_LOOP_TURN_MAX steps", async () => {
    const clock = new SimulatedClock();
    let hopWhenOutsideRan: number | undefined;
    let hopNow = 0;
    const hopCount = 3 * STEP_COUNT_PER_LOOP_TURN_MAX;
    const work = zeroDelayHops(clock, hopCount, (hop) => {
      hopNow = hop;
      if (hop === 1) setImmediate(() => (hopWhenOutsideRan = hopNow));
    });
    await runSimulation(clock, work);
    expect(hopWhenOutsideRan).toBeDefined();
    expect(hopWhenOutsideRan!).toBeLessThanOrEqual(1 + STEP_COUNT_PER_LOOP_TURN_MAX);
  });
});
