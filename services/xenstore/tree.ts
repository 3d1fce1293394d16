import { baseName, parentPath, ROOT_PATH } from "./path.js";
import { ownedBy, type XenStorePerms } from "./perms.js";

/** One node. Nodes are immutable, so a tree clones in O(node count) without deep copies. */
export interface XsNode {
  readonly value: string;
  readonly perms: XenStorePerms;
  readonly childNames: ReadonlySet<string>;
}

/**
 * The node map of one xenstored, without permission checks or watches. Callers validate first;
 * a broken precondition here (a missing parent, removing the root) is a bug and throws.
 */
export class NodeTree {
  private readonly nodes: Map<string, XsNode>;

  constructor(nodes?: ReadonlyMap<string, XsNode>) {
    // xenstored starts with "/" owned by Dom0 and closed to others ("n0").
    const root: XsNode = { value: "", perms: ownedBy(0), childNames: new Set() };
    this.nodes = new Map(nodes ?? [[ROOT_PATH, root]]);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get(path: string): XsNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  clone(): NodeTree {
    return new NodeTree(this.nodes);
  }

  /** Sets a node's value and perms, creating it under its existing parent if needed. */
  put(path: string, value: string, perms: XenStorePerms): void {
    const existing = this.nodes.get(path);
    if (existing !== undefined) {
      this.nodes.set(path, { value, perms, childNames: existing.childNames });
      return;
    }
    const parent = this.mustGet(parentPath(path));
    const childNames = new Set(parent.childNames).add(baseName(path));
    this.nodes.set(parentPath(path), { ...parent, childNames });
    this.nodes.set(path, { value, perms, childNames: new Set() });
  }

  setPerms(path: string, perms: XenStorePerms): void {
    this.nodes.set(path, { ...this.mustGet(path), perms });
  }

  /** Removes `path` and everything below it; returns the number of nodes removed. */
  removeSubtree(path: string): number {
    if (path === ROOT_PATH) throw new Error("xenstore: cannot remove the root");
    const subtreePaths = [...this.walk(path)].map(([subtreePath]) => subtreePath);
    for (const subtreePath of subtreePaths) this.nodes.delete(subtreePath);
    const parent = this.mustGet(parentPath(path));
    const childNames = new Set(parent.childNames);
    childNames.delete(baseName(path));
    this.nodes.set(parentPath(path), { ...parent, childNames });
    return subtreePaths.length;
  }

  /** `path` and its descendants, parents before children, siblings sorted by name. */
  *walk(path: string): Generator<[string, XsNode]> {
    const stack: string[] = [path];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const node = this.mustGet(next);
      yield [next, node];
      const prefix = next === ROOT_PATH ? "/" : `${next}/`;
      const names = [...node.childNames].sort().reverse();
      for (const name of names) stack.push(prefix + name);
    }
  }

  private mustGet(path: string): XsNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`xenstore: missing node ${path}`);
    return node;
  }
}
