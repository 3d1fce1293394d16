import { describe, expect, it } from "vitest";
import { ownedBy } from "./perms.js";
import { NodeTree } from "./tree.js";

describe("NodeTree", () => {
  it("walks parents before children, siblings sorted", () => {
    const tree = new NodeTree();
    for (const path of ["/b", "/a", "/a/z", "/a/c", "/a/c/d"]) tree.put(path, path, ownedBy(0));
    expect([...tree.walk("/")].map(([path]) => path)).toEqual(["/", "/a", "/a/c", "/a/c/d", "/a/z", "/b"]);
  });

  it("clones so that changes to either side stay there", () => {
    const tree = new NodeTree();
    tree.put("/a", "1", ownedBy(0));
    const copy = tree.clone();
    copy.put("/a", "2", ownedBy(0));
    copy.put("/a/b", "3", ownedBy(0));
    tree.removeSubtree("/a");
    expect(tree.has("/a")).toBe(false);
    expect(copy.get("/a")?.value).toBe("2");
    expect([...(copy.get("/a")?.childNames ?? [])]).toEqual(["b"]);
    expect(copy.get("/")?.childNames.has("a")).toBe(true);
    expect(tree.get("/")?.childNames.has("a")).toBe(false);
  });

  it("treats a missing parent or removing the root as a bug", () => {
    const tree = new NodeTree();
    expect(() => tree.put("/no/parent", "", ownedBy(0))).toThrow(/missing node \/no/);
    expect(() => tree.removeSubtree("/")).toThrow(/root/);
    expect(tree.removeSubtree.bind(tree, "/x")).toThrow(/missing node/);
    expect(tree.nodeCount).toBe(1);
  });
});
