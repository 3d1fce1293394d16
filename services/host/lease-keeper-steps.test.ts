import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { HA_OFF_ROUND_RENEW_INTERVAL_COUNT, LeaseKeeper } from "./lease-keeper.js";
import type { Statefile, StatefileEntry } from "../contracts/statefile.js";
import { HA_CONFIG_KEY, leaseTiming } from "../contracts/lease.js";

const T_MS = 30_000;
const HA_OFF_ROUND_MS = HA_OFF_ROUND_RENEW_INTERVAL_COUNT * leaseTiming(T_MS).renewIntervalMs;
/** Microtask steps counted after a round's timer fired: more than any round here takes. */
const STEP_COUNT_MAX = 20;

type Answer = "renewed" | "written by another" | "refused";

/**
 * A statefile that answers at once (each call a settled promise) and logs every call, and a watch
 * whose continuity never moves: with HA off, every round after the first one takes the path of an
 * idle host's rounds (the setting vouched for by the watch, the lease renewed at its revision).
 */
function steppedStatefile(log: (line: string) => void) {
  let revision = 10;
  let pushSetting: ((entry: StatefileEntry | undefined) => void) | undefined;
  const state = { answer: "renewed" as Answer, pushDuringUpdate: false };
  const statefile: Statefile = {
    read: (key) => {
      log(`read ${key}`);
      return Promise.resolve(
        key === HA_CONFIG_KEY
          ? undefined
          : { value: JSON.stringify({ hostId: "h1", epoch: "e1" }), revision },
      );
    },
    readAll: () => Promise.resolve(new Map()),
    put: (key) => {
      log(`put ${key}`);
      return Promise.resolve(++revision);
    },
    update: (key) => {
      log(`update ${key}`);
      // A change of the setting pushed (once) while the round runs: a round follows at its end.
      if (state.pushDuringUpdate)
        pushSetting?.({ value: JSON.stringify({ enabled: true, timeoutMs: T_MS }), revision: 1 });
      state.pushDuringUpdate = false;
      if (state.answer === "refused") return Promise.reject(new Error("refused"));
      return Promise.resolve(state.answer === "renewed" ? ++revision : undefined);
    },
    create: () => Promise.reject(new Error("not used")),
    remove: () => Promise.reject(new Error("not used")),
    watch: (_key, onChange) => {
      pushSetting = onChange;
      return () => undefined;
    },
    watchContinuity: () => 1,
  };
  return { statefile, state };
}

/**
 * The steps a round with HA off takes: what it does (statefile calls, log lines) at which
 * microtask step after its timer fired. The order of every event of a simulation rests on them
 * (another process's promise chains run between), so a leaner round must keep them.
 */
async function roundSteps(answer: Answer, pushDuringUpdate: boolean): Promise<string[]> {
  const clock = new SimulatedClock();
  const events: string[] = [];
  let step = 0;
  const log = (line: string) => events.push(`${step} ${line}`);
  const stepped = steppedStatefile(log);
  const keeper = new LeaseKeeper({
    hostId: "h1",
    address: () => "h1:1",
    clock,
    statefile: stepped.statefile,
    ping: () => Promise.resolve(undefined),
    guests: { hold: () => [], release: () => [], fence: () => [] },
    log,
    epoch: "e1",
  });
  keeper.start();
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  // Two rounds as an idle host's, then the round under test.
  for (let round = 0; round < 3; round++) {
    if (round === 2) Object.assign(stepped.state, { answer, pushDuringUpdate });
    events.length = 0;
    clock.advanceMs(HA_OFF_ROUND_MS);
    step = 0;
    const count = (): void => {
      step++;
      if (step < STEP_COUNT_MAX) void Promise.resolve().then(count);
    };
    void Promise.resolve().then(count);
    await new Promise((resolve) => setImmediate(resolve));
  }
  keeper.stop();
  return events;
}

describe("LeaseKeeper round with HA off, the setting vouched for by the watch", () => {
  it("renews its lease in the steps it always took", async () => {
    expect(await roundSteps("renewed", false)).toEqual(["0 update lease.h1"]);
  });

  it("ends the round in the steps it always took: a change pushed meanwhile starts the next round", async () => {
    expect(await roundSteps("renewed", true)).toEqual([
      "0 update lease.h1",
      "2 read cluster.ha",
      "4 update lease.h1",
    ]);
  });

  it("reads its own lease when another wrote it, in the steps it always took", async () => {
    expect(await roundSteps("written by another", true)).toEqual([
      "0 update lease.h1",
      "1 read lease.h1",
      "4 read cluster.ha",
      "6 update lease.h1",
      "7 read lease.h1",
    ]);
  });

  it("fails in the steps it always took", async () => {
    expect(await roundSteps("refused", true)).toEqual([
      "0 update lease.h1",
      "2 HA: statefile unreachable: Error: refused",
      "2 read cluster.ha",
      "4 update lease.h1",
    ]);
  });
});

/**
 * Counts the calls of `owner[name]` made by lease-keeper.ts itself (the test runner's own code may
 * call it meanwhile, between the round's steps); `restore` puts it back and answers the count.
 */
function countKeeperCalls<K extends string>(owner: { [key in K]: unknown }, name: K): { restore(): number } {
  const original = owner[name] as (...args: unknown[]) => unknown;
  let count = 0;
  owner[name] = function (this: unknown, ...args: unknown[]) {
    if (/lease-keeper\.[jt]s:\d/.test(new Error().stack ?? "")) count++;
    return original.apply(this, args);
  };
  return {
    restore: () => {
      owner[name] = original;
      return count;
    },
  };
}

describe("LeaseKeeper round with HA off: nothing made for nothing", () => {
  it("makes no promise to wait its step on, no copy of the (empty) first-read waiters, no closure to compare the peers seen", async () => {
    const clock = new SimulatedClock();
    let revision = 10;
    const updates: string[] = [];
    // Answers made with `new Promise`, so that the spies below count the keeper's own calls only.
    const answer = <T>(value: T) => new Promise<T>((resolve) => resolve(value));
    const statefile: Statefile = {
      read: () => answer(undefined),
      readAll: () => answer(new Map()),
      put: (key) => {
        updates.push(`put ${key}`);
        return answer(++revision);
      },
      update: (key) => {
        updates.push(`update ${key}`);
        return answer(++revision);
      },
      create: () => answer(undefined),
      remove: () => answer(undefined),
      watch: () => () => undefined,
      watchContinuity: () => 1,
    };
    const keeper = new LeaseKeeper({
      hostId: "h1",
      address: () => "h1:1",
      clock,
      statefile,
      ping: () => answer(undefined),
      guests: { hold: () => [], release: () => [], fence: () => [] },
      log: () => undefined,
      epoch: "e1",
    });
    keeper.start();
    const settle = async () => {
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    };
    await settle();
    clock.advanceMs(HA_OFF_ROUND_MS);
    await settle();
    const spies = [
      countKeeperCalls(Promise, "resolve"),
      countKeeperCalls(Array.prototype, "splice"),
      countKeeperCalls(Array.prototype, "every"),
    ];
    clock.advanceMs(HA_OFF_ROUND_MS);
    await settle();
    const calls = spies.map((spy) => spy.restore());
    keeper.stop();
    expect(updates, "an idle host's rounds: written, then renewed at its revision").toEqual([
      "put lease.h1",
      "update lease.h1",
      "update lease.h1",
    ]);
    expect(calls, "Promise.resolve, splice, every").toEqual([0, 0, 0]);
  });
});
