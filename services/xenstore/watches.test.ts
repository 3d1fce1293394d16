import { describe, expect, it } from "vitest";
import { ownedBy } from "./perms.js";
import { WatchRegistry } from "./watches.js";

const noop = (): void => {};

function delivered(registry: WatchRegistry, path: string, removed: boolean): string[] {
  const change = { path, removed, visibleTo: [ownedBy(0, "r")] };
  return registry.matchChange(change).map(({ watch, eventPath }) => `${watch.token}:${eventPath}`);
}

describe("WatchRegistry", () => {
  it("delivers in registration order across paths, whatever the depth", () => {
    const registry = new WatchRegistry();
    registry.add("/a/b/c", "deep", 0, noop);
    registry.add("/a", "top", 0, noop);
    registry.add("/a/b", "mid", 0, noop);
    registry.add("/a/b/x", "sibling", 0, noop);
    expect(delivered(registry, "/a/b/c", false)).toEqual(["deep:/a/b/c", "top:/a/b/c", "mid:/a/b/c"]);
    expect(delivered(registry, "/a/b", true)).toEqual([
      "deep:/a/b/c",
      "top:/a/b",
      "mid:/a/b",
      "sibling:/a/b/x",
    ]);
  });

  it("tests the path before the perms and tells only those who may read", () => {
    const registry = new WatchRegistry();
    registry.add("/local/domain/5", "guest", 5, noop);
    registry.add("/local/domain/5", "other", 6, noop);
    const change = { path: "/local/domain/5/x", removed: false, visibleTo: [ownedBy(5)] };
    expect(registry.matchChange(change).map(({ watch }) => watch.token)).toEqual(["guest"]);
  });

  it("keeps counts per owner and drops a released domain's watches, node and special", () => {
    const registry = new WatchRegistry();
    const kept = registry.add("/a", "t", 0, noop);
    const dropped = registry.add("/a", "t", 7, noop);
    registry.add("@releaseDomain", "t", 7, noop);
    registry.add("/a/b", "u", 7, noop);
    expect(registry.watchCount).toBe(4);
    expect(registry.countOwnedBy(7)).toBe(3);
    expect(registry.removeAllOwnedBy(7)).toBe(3);
    expect(registry.watchCount).toBe(1);
    expect(registry.countOwnedBy(7)).toBe(0);
    expect(registry.isRegistered(kept)).toBe(true);
    expect(registry.isRegistered(dropped)).toBe(false);
    expect(registry.matchSpecial("@releaseDomain")).toEqual([]);
    expect(delivered(registry, "/a/b", true)).toEqual(["t:/a/b"]);
  });

  it("tells a re-added watch from its removed predecessor", () => {
    const registry = new WatchRegistry();
    const first = registry.add("/a", "t", 0, noop);
    registry.remove("/a", "t", 0);
    const second = registry.add("/a", "t", 0, noop);
    expect(registry.isRegistered(first)).toBe(false);
    expect(registry.isRegistered(second)).toBe(true);
    expect(() => registry.remove("/a", "nope", 0)).toThrow(/ENOENT/);
    expect(() => registry.remove("@introduceDomain", "t", 0)).toThrow(/ENOENT/);
  });
});
