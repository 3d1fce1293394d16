import { ChildNames, ChildNamesDelta, type ReadonlyChildNames } from "./child-names.js";
import { OverlayNodeMap, type NodeMap } from "./node-map.js";
import { baseName, parentPath, ROOT_PATH } from "./path.js";
import { ownedBy, type XenStorePerms } from "./perms.js";

/** One node as readers see it. A base tree and its forks share the nodes neither changed. */
export interface XsNode {
  readonly value: string;
  readonly perms: XenStorePerms;
  readonly childNames: ReadonlyChildNames;
}

/**
 * A node as a tree stores it. Value and perms are replaced, never changed. A base tree changes its
 * children in place; a fork records its changes to them in a ChildNamesDelta instead.
 */
export interface StoredNode extends XsNode {
  readonly childNames: ChildNames | ChildNamesDelta;
}

/** The children of every leaf until it gets a child: never changed, replaced. */
export const NO_CHILDREN = new ChildNames();

/**
 * The node map of one xenstored, without permission checks or watches. Callers validate first;
 * a broken precondition here (a missing parent, removing the root) is a bug and throws.
 */
export class NodeTree {
  private readonly nodes: NodeMap;
  /** A base tree's own map; undefined on a fork. */
  private readonly baseNodes: Map<string, StoredNode> | undefined;
  /** A fork's changes; undefined on a base tree. */
  private readonly overlay: OverlayNodeMap | undefined;
  /** Bumped by every change, so a fork taken before a change cannot be committed after it. */
  private changeCount = 0;
  /** On a fork: the base's changeCount when the fork was taken. */
  private readonly forkedAtChangeCount: number | undefined;

  /** A fresh store's tree: "/" owned by Dom0 and closed to others ("n0"). `fork` makes forks. */
  constructor(forkOf?: NodeTree) {
    if (forkOf === undefined) {
      this.baseNodes = rootOnlyNodeMap();
      this.nodes = this.baseNodes;
    } else {
      this.overlay = new OverlayNodeMap(forkOf.baseMap());
      this.nodes = this.overlay;
      this.forkedAtChangeCount = forkOf.changeCount;
    }
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

  /**
   * A copy-on-write view for a transaction: it reads this tree's nodes until it changes them and
   * keeps its changes to itself until `commit`. This tree must not change while the fork is open.
   */
  fork(): NodeTree {
    return new NodeTree(this);
  }

  /** Applies a fork of this tree, in O(nodes the fork changed). A fork commits at most once. */
  commit(fork: NodeTree): void {
    if (fork.overlay === undefined || fork.forkedAtChangeCount !== this.changeCount) {
      throw new Error("xenstore: commit of a tree that is not a current fork of this one");
    }
    fork.overlay.applyTo(this.baseMap(), settleChildNames);
    this.changeCount += 1;
  }

  /**
   * Adds nodes made outside the tree (new-subtrees.ts), at once: `nodes` holds each subtree root
   * and everything below it, each node listing its children already; each root goes under its
   * parent, which is here. None of them may be here yet, and no fork may be open.
   */
  adoptNewSubtrees(roots: readonly string[], nodes: ReadonlyMap<string, StoredNode>): void {
    const base = this.baseMap();
    // A root not here means nothing below it is here either.
    for (const root of roots)
      if (base.has(root)) throw new Error(`xenstore: new node ${root} is already there`);
    this.changeCount += 1;
    for (const [path, node] of nodes) base.set(path, node);
    for (const root of roots) this.childNamesToChange(parentPath(root)).add(baseName(root), root);
  }

  /** Sets a node's value and perms, creating it under its existing parent if needed. */
  put(path: string, value: string, perms: XenStorePerms): void {
    const existing = this.nodes.get(path);
    if (existing !== undefined) this.replace(path, existing, value, perms);
    else this.putNew(path, parentPath(path), value, perms);
  }

  /** Gives `existing`, the node now at `path` (from `get`), a new value and perms. */
  replace(path: string, existing: XsNode, value: string, perms: XenStorePerms): void {
    this.changeCount += 1;
    this.nodes.set(path, { value, perms, childNames: (existing as StoredNode).childNames });
  }

  /**
   * Creates the missing node `path` under its existing parent `parent` (`parentPath(path)`, passed
   * by a caller that has it, so the path is not split and looked up again).
   */
  putNew(path: string, parent: string, value: string, perms: XenStorePerms): void {
    this.changeCount += 1;
    this.childNamesToChange(parent).add(baseName(path), path);
    this.nodes.set(path, { value, perms, childNames: NO_CHILDREN });
  }

  setPerms(path: string, perms: XenStorePerms): void {
    this.changeCount += 1;
    this.nodes.set(path, { ...this.mustGet(path), perms });
  }

  /**
   * Removes `path` and everything below it; returns the number of nodes removed. `parent` is
   * `parentPath(path)`, passed by a caller that has it (so it is not sliced and hashed again).
   */
  removeSubtree(path: string, parent?: string): number {
    if (path === ROOT_PATH) throw new Error("xenstore: cannot remove the root");
    this.changeCount += 1;
    const subtreePaths = this.subtreePaths(path);
    for (const subtreePath of subtreePaths) this.nodes.delete(subtreePath);
    this.childNamesToChange(parent ?? parentPath(path)).delete(baseName(path));
    return subtreePaths.length;
  }

  /**
   * `path` and its descendants, in no particular order (walk sorts; a removal need not). Each
   * child is looked up by the path string its parent keeps (ReadonlyChildNames.paths): no path is
   * built or hashed again, so removing a domain's home costs a map lookup and delete per node.
   */
  private subtreePaths(path: string): string[] {
    const paths: string[] = [path];
    // An array iterator also visits what is pushed while it runs: breadth-first over the subtree.
    for (const next of paths) {
      const { childNames } = this.mustGet(next);
      if (childNames === NO_CHILDREN) continue; // a leaf: no iterator to make
      for (const childPath of childNames.paths()) paths.push(childPath);
    }
    return paths;
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

  /** What to add a child name to or remove one from; a fork never changes its base's sets. */
  private childNamesToChange(path: string): ChildNames | ChildNamesDelta {
    const node = this.mustGet(path);
    const { childNames } = node;
    const isFork = this.overlay !== undefined;
    if (childNames instanceof ChildNamesDelta) {
      if (!isFork) throw new Error(`xenstore: a fork's child names for ${path} in a base tree`);
      return childNames;
    }
    if (!isFork && childNames !== NO_CHILDREN) return childNames;
    const base = childNames === NO_CHILDREN ? new ChildNames() : childNames;
    const changed = isFork ? new ChildNamesDelta(base) : base;
    this.nodes.set(path, { ...node, childNames: changed });
    return changed;
  }

  private baseMap(): Map<string, StoredNode> {
    if (this.baseNodes === undefined) throw new Error("xenstore: a fork cannot be forked or committed to");
    return this.baseNodes;
  }

  private mustGet(path: string): StoredNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new Error(`xenstore: missing node ${path}`);
    return node;
  }
}

/** At commit: a node the fork changed the children of gets its base set back, changed. */
function settleChildNames(node: StoredNode): StoredNode {
  if (!(node.childNames instanceof ChildNamesDelta)) return node;
  return { ...node, childNames: node.childNames.applyToBase() };
}

function rootOnlyNodeMap(): Map<string, StoredNode> {
  const root: StoredNode = { value: "", perms: ownedBy(0), childNames: NO_CHILDREN };
  return new Map([[ROOT_PATH, root]]);
}
