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

  it("finds what a scan of every watch finds, through adds, removes and runs of nearby changes", () => {
    const index = new WatchPathIndex<TestWatch>();
    const live = new Map<string, TestWatch>(); // key -> watch
    let state = 777;
    const nextIndex = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % bound;
    };
    const names = ["a", "b", "ab", "a.b"];
    const randomPath = (depthMax: number) => {
      const depth = nextIndex(depthMax + 1);
      return depth === 0
        ? "/"
        : `/${Array.from({ length: depth }, () => names[nextIndex(names.length)]).join("/")}`;
    };
    const isAtOrBelow = (path: string, ancestor: string) =>
      ancestor === "/" || path === ancestor || path.startsWith(`${ancestor}/`);
    const scan = (path: string, withBelow: boolean) =>
      [...live.values()]
        .flatMap((watch) => {
          if (isAtOrBelow(path, watch.path)) return [`${watch.sequence}`];
          if (withBelow && isAtOrBelow(watch.path, path)) return [`${watch.sequence} (below)`];
          return [];
        })
        .sort();
    let collectCount = 0;
    const check = (path: string, withBelow: boolean) => {
      const seen: string[] = [];
      index.collect(path, withBelow, (watch, isBelow) =>
        seen.push(`${watch.sequence}${isBelow ? " (below)" : ""}`),
      );
      expect(seen.sort(), `${path} ${withBelow}`).toEqual(scan(path, withBelow));
      collectCount++;
    };
    const parentOf = (path: string) => path.slice(0, Math.max(1, path.lastIndexOf("/")));
    for (let step = 0; step < 3000; step++) {
      const action = nextIndex(10);
      if (action === 0) {
        // Looked up before and after: an index that remembered a lookup must forget it here.
        const watch = { path: randomPath(3), sequence: step };
        check(watch.path, true);
        index.add(`k${step}`, watch);
        live.set(`k${step}`, watch);
        check(watch.path, false);
        check(parentOf(watch.path), true);
      } else if (action === 1 && live.size > 0) {
        const key = [...live.keys()][nextIndex(live.size)] as string;
        const { path } = live.get(key) as TestWatch;
        expect(index.remove(path, key)).toBe(true);
        live.delete(key);
        check(`${path === "/" ? "" : path}/gone`, false); // off the trie now, maybe
        check(path, true);
      } else {
        // A run of changes under one path, as a layout makes.
        const base = randomPath(2);
        for (let run = nextIndex(4); run >= 0; run--) {
          const tail = randomPath(2);
          check(base === "/" ? tail : `${base}${tail === "/" ? "" : tail}`, nextIndex(2) === 0);
        }
      }
    }
    expect(collectCount).toBeGreaterThan(3000);
  });
});
