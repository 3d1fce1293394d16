import { describe, expect, it } from "vitest";
import { ChildNamesDelta } from "./child-names.js";

describe("ChildNamesDelta", () => {
  it("shows the base plus and minus its changes, and leaves the base alone until applied", () => {
    const base = new Set(["a", "b"]);
    const delta = new ChildNamesDelta(base);
    delta.add("c");
    delta.delete("a");
    expect([...delta]).toEqual(["b", "c"]);
    expect(delta.has("a")).toBe(false);
    expect(delta.has("c")).toBe(true);
    expect([...base]).toEqual(["a", "b"]);
    expect(delta.applyToBase()).toBe(base);
    expect([...base].sort()).toEqual(["b", "c"]);
  });

  it("cancels a removal by an add and an add by a removal", () => {
    const base = new Set(["a"]);
    const delta = new ChildNamesDelta(base);
    delta.delete("a");
    delta.add("a");
    delta.add("x");
    delta.delete("x");
    expect([...delta]).toEqual(["a"]);
    delta.applyToBase();
    expect([...base]).toEqual(["a"]);
  });

  it("treats adding a present name or removing a missing one as a bug", () => {
    const delta = new ChildNamesDelta(new Set(["a"]));
    expect(() => delta.add("a")).toThrow(/added twice/);
    expect(() => delta.delete("zz")).toThrow(/not there/);
  });
});
