import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { indexedDirection } from "./engine-rules.js";
import { UnknownPolicyError } from "./errors.js";
import { FIRST_FIT, PACK, resolvePolicy, SPREAD, weighedPolicy } from "./policies.js";
import { pickTied } from "./tie-break.js";

describe("policies", () => {
  it("resolves names and passes policies through", () => {
    expect(resolvePolicy("spread")).toBe(SPREAD);
    expect(resolvePolicy("pack")).toBe(PACK);
    expect(resolvePolicy("first-fit")).toBe(FIRST_FIT);
    const custom = weighedPolicy("mine", { freeVcpus: 1 });
    expect(resolvePolicy(custom)).toBe(custom);
    expect(() => resolvePolicy("toString")).toThrow(UnknownPolicyError);
    expect(() => resolvePolicy("worst-fit")).toThrow(
      'unknown placement policy "worst-fit" (known: spread, pack, first-fit)',
    );
  });

  it("lets the index order only the free-memory weigher alone", () => {
    expect(indexedDirection(SPREAD)).toBe(1);
    expect(indexedDirection(PACK)).toBe(-1);
    expect(indexedDirection(weighedPolicy("x", { freeMemory: -3 }))).toBe(-1);
    expect(indexedDirection(FIRST_FIT)).toBe(0);
    expect(indexedDirection(weighedPolicy("x", { freeMemory: 1, domainCount: -1 }))).toBe(0);
    expect(indexedDirection(weighedPolicy("x", { freeMemory: 1e-300 }))).toBe(0);
    expect(indexedDirection(weighedPolicy("x", {}))).toBe(0);
  });

  it("draws from the PRNG only when hosts tie", () => {
    const prng = new Prng(8);
    expect(pickTied(["h1"], prng)).toBe("h1");
    expect(prng.nextU32()).toBe(new Prng(8).nextU32());
    expect(() => pickTied([], prng)).toThrow();
  });
});
