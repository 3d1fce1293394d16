import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { cpupoolTestHost } from "../dom0/cpupool-fixture.js";
import { HeartbeatCpupools, frozenHeartbeat, repeatedHeartbeat, smallNumber } from "./heartbeat.js";

// A file of its own: which representation a heartbeat's fields take depends on every heartbeat
// made before in the process (a fractional time makes timeMs a double field for good).
setFlagsFromString("--allow-natives-syntax");
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8's %IsSmi parses only in code compiled after the flag.
const isSmi = new Function("value", "return %IsSmi(value)") as (value: unknown) => boolean;

describe("smallNumber", () => {
  it("gives the same number, a small integer when it is a whole one in int32", () => {
    const computed = (ns: number) => ns / 1e6; // a float, as SimulatedClock.nowMs computes it
    expect(isSmi(computed(11e9))).toBe(false);
    for (const value of [computed(11e9), 0, 1, 4194304, 2 ** 31 - 1, -(2 ** 31)]) {
      expect(smallNumber(value)).toBe(value);
      expect(isSmi(smallNumber(value)), String(value)).toBe(true);
    }
    for (const value of [-0, 0.5, 2 ** 31, 1.7e12, Number.NaN, Number.POSITIVE_INFINITY])
      expect(Object.is(smallNumber(value), value), String(value)).toBe(true);
  });
});

describe("a heartbeat's whole times and memory sizes", () => {
  it("are small integers in the heartbeat and in its repeats (no boxed double to make per repeat)", () => {
    const ts = cpupoolTestHost();
    const pools = new HeartbeatCpupools();
    const timeMs = (ns: number) => ns / 1e6;
    let beat = frozenHeartbeat(ts, "sim://h1", 3, 1000, 0, 0, timeMs(11e9), 7, pools);
    for (let sequence = 4; sequence < 8; sequence++) {
      for (const field of ["timeMs", "totalMemoryKib", "freeMemoryKib"] as const)
        expect(isSmi(beat[field]), `${field} of heartbeat ${beat.sequence}`).toBe(true);
      beat = repeatedHeartbeat(beat, sequence, timeMs(sequence * 1e9 + 7e9));
    }
    expect(beat.timeMs).toBe(14_000);
  });
});
