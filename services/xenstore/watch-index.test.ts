import { describe, expect, it } from "vitest";
import { WatchPathIndex } from "./watch-index.js";

type TestWatch = { path: string; sequence: number };

function collected(index: WatchPathIndex<TestWatch>, path: string, withBelow: boolean): string[] {
  const seen: string[] = [];
  index.collect(path, withBelow, (watch, isBelow) => seen.push(`${watch.path}${isBelow ? " (below)" : ""}`));
  return seen;
}

function indexOf(paths: string[]): WatchPathIndex<TestWatch> {
  const index = new WatchPathIndex<TestWatch>();
  paths.forEach((path, sequence) => index.add(`k${sequence}`, { path, sequence }));
  return index;
}

describe("WatchPathIndex", () => {
  it("finds the watches at and above a path, root first, and not siblings with a common prefix", () => {
    const index = indexOf(["/local/domain/5/name", "/", "/local/domain/5", "/local/domain/50", "/vm"]);
    expect(collected(index, "/local/domain/5/name", false)).toEqual([
      "/",
      "/local/domain/5",
      "/local/domain/5/name",
    ]);
    expect(collected(index, "/local/domain/5/memory/target", false)).toEqual(["/", "/local/domain/5"]);
    expect(collected(index, "/", false)).toEqual(["/"]);
  });

  it("adds the watches below a path only when asked", () => {
    const index = indexOf(["/a/b/c", "/a", "/a/b/d/e", "/x"]);
    expect(collected(index, "/a/b", false)).toEqual(["/a"]);
    expect(collected(index, "/a/b", true)).toEqual(["/a", "/a/b/c (below)", "/a/b/d/e (below)"]);
    expect(collected(index, "/nowhere/deep", true)).toEqual([]);
  });

  it("removes a watch, prunes empty branches and keeps the rest", () => {
    const index = indexOf(["/a/b/c", "/a"]);
    expect(index.remove("/a/b/c", "k1")).toBe(false);
    expect(index.remove("/a/b/zzz", "k0")).toBe(false);
    expect(index.remove("/a/b/c", "k0")).toBe(true);
    expect(index.get("/a/b/c", "k0")).toBeUndefined();
    expect(collected(index, "/a", true)).toEqual(["/a"]);
    index.add("k0", { path: "/a/b/c", sequence: 2 });
    expect(index.get("/a/b/c", "k0")?.sequence).toBe(2);
    expect(() => index.add("k0", { path: "/a/b/c", sequence: 3 })).toThrow(/indexed twice/);
  });

  it("finds each of several watches on one path by its key until the last is removed", () => {
    const index = indexOf(["/a/b", "/a/b", "/a"]);
    expect(index.remove("/a/b", "k0")).toBe(true);
    expect(index.get("/a/b", "k1")?.sequence).toBe(1);
    expect(index.remove("/a/b", "k1")).toBe(true);
    expect(index.get("/a/b", "k1")).toBeUndefined();
    expect(collected(index, "/a/b", true)).toEqual(["/a"]);
    index.add("k3", { path: "/a/b", sequence: 3 });
    expect(index.get("/a/b", "k3")?.sequence).toBe(3);
    expect(collected(index, "/a", true)).toEqual(["/a", "/a/b (below)"]);
  });
});
