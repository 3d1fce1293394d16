import { describe, expect, it } from "vitest";
import { Prng } from "./prng.js";

describe("Prng.fillU32", () => {
  it("gives the same values as nextU32 called as often, and leaves the same state", () => {
    const one = new Prng(42);
    const batch = new Prng(42);
    const target = new Uint32Array(1000);
    batch.fillU32(target, 999);
    for (let i = 0; i < 999; i++) expect(target[i]).toBe(one.nextU32());
    expect(target[999]).toBe(0);
    expect(batch.nextU32()).toBe(one.nextU32());
  });

  it("refuses a count beyond its target, drawing nothing", () => {
    const prng = new Prng(1);
    expect(() => prng.fillU32(new Uint32Array(4), 5)).toThrow(/count 5/);
    expect(prng.nextU32()).toBe(new Prng(1).nextU32());
  });
});

describe("Prng seeding", () => {
  it("gives the sequences it always gave (state from splitmix32's first four outputs)", () => {
    const firstOutputs = (seed: number) => {
      const prng = new Prng(seed);
      return [prng.nextU32(), prng.nextU32(), prng.nextU32(), prng.nextU32(), prng.fork(7).nextU32()];
    };
    expect(firstOutputs(0)).toEqual([3809008728, 1133695204, 53579671, 2891528803, 4008346613]);
    expect(firstOutputs(1)).toEqual([2442144158, 3238099751, 3819917871, 2104621829, 3798281160]);
    expect(firstOutputs(0xffffffff)).toEqual([835879718, 1921286648, 2356205009, 1885780724, 665060751]);
  });
});
