import { describe, expect, it } from "vitest";
import { ChildNames, ChildNamesDelta } from "./child-names.js";

function childNamesOf(...paths: string[]): ChildNames {
  const names = new ChildNames();
  for (const path of paths) names.add(path.slice(path.lastIndexOf("/") + 1), path);
  return names;
}

describe("ChildNames", () => {
  it("keeps each child's path beside its name, the very string it was given", () => {
    const path = ["/local", "domain", "7"].join("/");
    const names = childNamesOf("/local/domain/1", path);
    expect([...names]).toEqual(["1", "7"]);
    expect([...names.paths()]).toEqual(["/local/domain/1", "/local/domain/7"]);
    expect([...names.paths()][1]).toBe(path);
    names.delete("1");
    expect([...names.paths()]).toEqual(["/local/domain/7"]);
    expect(() => names.add("7", path)).toThrow(/added twice/);
    expect(() => names.delete("1")).toThrow(/not there/);
  });
});

describe("ChildNamesDelta", () => {
  it("shows the base plus and minus its changes, and leaves the base alone until applied", () => {
    const base = childNamesOf("/p/a", "/p/b");
    const delta = new ChildNamesDelta(base);
    delta.add("c", "/p/c");
    delta.delete("a");
    expect([...delta]).toEqual(["b", "c"]);
    expect([...delta.paths()]).toEqual(["/p/b", "/p/c"]);
    expect(delta.has("a")).toBe(false);
    expect(delta.has("c")).toBe(true);
    expect([...base]).toEqual(["a", "b"]);
    expect(delta.applyToBase()).toBe(base);
    expect([...base].sort()).toEqual(["b", "c"]);
    expect([...base.paths()].sort()).toEqual(["/p/b", "/p/c"]);
  });

  it("cancels a removal by an add and an add by a removal", () => {
    const base = childNamesOf("/p/a");
    const delta = new ChildNamesDelta(base);
    delta.delete("a");
    delta.add("a", "/p/a");
    delta.add("x", "/p/x");
    delta.delete("x");
    expect([...delta]).toEqual(["a"]);
    expect([...delta.paths()]).toEqual(["/p/a"]);
    delta.applyToBase();
    expect([...base]).toEqual(["a"]);
  });

  it("treats adding a present name or removing a missing one as a bug", () => {
    const delta = new ChildNamesDelta(childNamesOf("/p/a"));
    expect(() => delta.add("a", "/p/a")).toThrow(/added twice/);
    expect(() => delta.delete("zz")).toThrow(/not there/);
  });
});
