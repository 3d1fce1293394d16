import { describe, expect, it } from "vitest";
import { ownedBy } from "./perms.js";
import { NodeTree } from "./tree.js";

describe("NodeTree", () => {
  it("walks parents before children, siblings sorted", () => {
    const tree = new NodeTree();
    for (const path of ["/b", "/a", "/a/z", "/a/c", "/a/c/d"]) tree.put(path, path, ownedBy(0));
    expect([...tree.walk("/")].map(([path]) => path)).toEqual(["/", "/a", "/a/c", "/a/c/d", "/a/z", "/b"]);
  });

  it("creates under a parent it is given and replaces a node it was handed, keeping its children", () => {
    const tree = new NodeTree();
    tree.put("/a", "", ownedBy(0));
    tree.putNew("/a/b", "/a", "1", ownedBy(0));
    tree.putNew("/a/b/c", "/a/b", "2", ownedBy(0));
    const b = tree.get("/a/b");
    if (b === undefined) throw new Error("no /a/b");
    tree.replace("/a/b", b, "3", ownedBy(5));
    expect(tree.get("/a/b")?.value).toBe("3");
    expect(tree.get("/a/b")?.perms).toEqual(ownedBy(5));
    expect([...(tree.get("/a/b")?.childNames ?? [])]).toEqual(["c"]);
    expect([...tree.walk("/")].map(([path]) => path)).toEqual(["/", "/a", "/a/b", "/a/b/c"]);
    const fork = tree.fork();
    fork.putNew("/a/d", "/a", "4", ownedBy(0));
    expect(tree.has("/a/d")).toBe(false);
    tree.commit(fork);
    expect([...(tree.get("/a")?.childNames ?? [])].sort()).toEqual(["b", "d"]);
  });

  it("keeps a fork's changes in the fork until commit", () => {
    const tree = new NodeTree();
    tree.put("/a", "1", ownedBy(0));
    tree.put("/a/old", "x", ownedBy(0));
    const fork = tree.fork();
    fork.put("/a", "2", ownedBy(0));
    fork.put("/a/b", "3", ownedBy(0));
    fork.removeSubtree("/a/old");
    expect(tree.get("/a")?.value).toBe("1");
    expect(tree.has("/a/b")).toBe(false);
    expect([...(tree.get("/a")?.childNames ?? [])]).toEqual(["old"]);
    expect(fork.get("/a")?.value).toBe("2");
    expect([...(fork.get("/a")?.childNames ?? [])]).toEqual(["b"]);
    expect(fork.nodeCount).toBe(3);
    expect(tree.nodeCount).toBe(3);
    tree.commit(fork);
    expect(tree.get("/a")?.value).toBe("2");
    expect(tree.has("/a/old")).toBe(false);
    expect([...tree.walk("/")].map(([path]) => path)).toEqual(["/", "/a", "/a/b"]);
  });

  it("removes and re-creates a subtree within one fork", () => {
    const tree = new NodeTree();
    tree.put("/d", "", ownedBy(0));
    tree.put("/d/x", "old", ownedBy(0));
    const fork = tree.fork();
    fork.removeSubtree("/d");
    expect(fork.has("/d/x")).toBe(false);
    expect(fork.nodeCount).toBe(1);
    fork.put("/d", "", ownedBy(0));
    fork.put("/d/y", "new", ownedBy(0));
    tree.commit(fork);
    expect([...tree.walk("/")].map(([path, node]) => `${path}=${node.value}`)).toEqual([
      "/=",
      "/d=",
      "/d/y=new",
    ]);
    expect(tree.nodeCount).toBe(3);
  });

  it("never lets one leaf's new child show under another leaf, in a tree or a fork", () => {
    const tree = new NodeTree();
    for (const path of ["/a", "/b", "/c"]) tree.put(path, "", ownedBy(0));
    const discarded = tree.fork();
    discarded.put("/a/x", "", ownedBy(0));
    tree.put("/b/y", "", ownedBy(0));
    const fork = tree.fork();
    fork.put("/c/z", "", ownedBy(0));
    tree.commit(fork);
    const children = (path: string) => [...(tree.get(path)?.childNames ?? [])];
    expect([children("/a"), children("/b"), children("/c")]).toEqual([[], ["y"], ["z"]]);
  });

  it("refuses a fork that is stale, committed twice, or forked again", () => {
    const tree = new NodeTree();
    const stale = tree.fork();
    tree.put("/a", "1", ownedBy(0));
    expect(() => tree.commit(stale)).toThrow(/not a current fork/);
    const fork = tree.fork();
    fork.put("/b", "1", ownedBy(0));
    tree.commit(fork);
    expect(() => tree.commit(fork)).toThrow(/not a current fork/);
    expect(() => fork.fork()).toThrow(/cannot be forked/);
    expect(() => tree.commit(new NodeTree())).toThrow(/not a current fork/);
    expect(tree.nodeCount).toBe(3);
  });

  it("treats a missing parent or removing the root as a bug", () => {
    const tree = new NodeTree();
    expect(() => tree.put("/no/parent", "", ownedBy(0))).toThrow(/missing node \/no/);
    expect(() => tree.removeSubtree("/")).toThrow(/root/);
    expect(tree.removeSubtree.bind(tree, "/x")).toThrow(/missing node/);
    expect(tree.nodeCount).toBe(1);
  });
});
