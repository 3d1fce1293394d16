import { ChangeLog } from "./change-log.js";
import { validateValue, withParent } from "./checked-tree.js";
import { XenStoreError } from "./errors.js";
import type { NodeChange } from "./node-change.js";
import type { XenStoreNodeOps } from "./node-ops.js";
import {
  baseName,
  isAtOrBelow,
  isValidPathAtOrBelow,
  parentPath,
  ROOT_PATH,
  validateNodePath,
} from "./path.js";
import { checkedPerms, type XenStorePerms } from "./perms.js";
import { ChildNames } from "./child-names.js";
import { NO_CHILDREN, type NodeTree, type XsNode } from "./tree.js";

/** What a batch of new subtrees may do: Dom0's writes, mkdirs and perms, at or below its roots. */
export type NewSubtreeOps = Pick<XenStoreNodeOps, "write" | "mkdir" | "setPerms">;

/** Adds `path`, a new node, to `parent`'s children. */
function addChild(parent: NewNode, path: string): void {
  if (parent.childNames === NO_CHILDREN) parent.childNames = new ChildNames();
  parent.childNames.add(baseName(path), path);
}

/** Whether `roots[index]` is at or below one of the other roots. */
function isAtOrBelowAnother(roots: readonly string[], index: number): boolean {
  for (let other = 0; other < roots.length; other++)
    if (other !== index && isAtOrBelow(roots[index]!, roots[other]!)) return true;
  return false;
}

/** A node made here: changed in place until the tree adopts it, never after. */
interface NewNode {
  value: string;
  perms: XenStorePerms;
  childNames: ChildNames;
}

/**
 * Dom0 making subtrees none of which exists yet (a new domain's home and /vm entry): the
 * operations of a Dom0 transaction, each checked and reported exactly as CheckedTree checks and
 * reports it, but on nodes of their own instead of a fork of the whole tree, which adopts them at
 * once (NodeTree.adoptNewSubtrees). Dom0 may do anything, so there are no access checks; the
 * store's transaction is the reference (new-subtrees.test.ts runs the same operations on both).
 */
export class NewSubtrees implements NewSubtreeOps {
  /** Made so far, parents before children. */
  readonly nodes = new Map<string, NewNode>();
  private readonly changeLog = new ChangeLog();
  private open = true;

  private constructor(
    readonly roots: readonly string[],
    /** Each root's parent, which is in the tree. */
    private readonly rootParents: ReadonlyMap<string, XsNode>,
  ) {}

  /**
   * A batch for `roots` on `tree`, or undefined unless each root is missing and its parent there
   * (then the caller runs a transaction instead). Roots are valid paths, none at or below another.
   */
  static tryStart(tree: NodeTree, roots: readonly string[]): NewSubtrees | undefined {
    const rootParents = new Map<string, XsNode>();
    for (let index = 0; index < roots.length; index++) {
      const root = roots[index]!;
      validateNodePath(root);
      if (root === ROOT_PATH || isAtOrBelowAnother(roots, index))
        throw new Error(`xenstore: new subtree root ${root} is the root or overlaps another`);
      const rootParentPath = parentPath(root); // sliced and hashed once
      const parent = tree.get(rootParentPath);
      if (tree.has(root) || parent === undefined) return undefined;
      rootParents.set(rootParentPath, parent);
    }
    return new NewSubtrees(roots, rootParents);
  }

  write(path: string, value: string, callerDomid = 0): void {
    this.checkCaller(callerDomid);
    validateValue(path, value); // before the path, as CheckedTree.write
    this.checkPath(path);
    this.putValue(path, value, true);
  }

  mkdir(path: string, callerDomid = 0): void {
    this.checkCaller(callerDomid);
    this.checkPath(path);
    this.putValue(path, "", false);
  }

  setPerms(path: string, perms: XenStorePerms, callerDomid = 0): void {
    this.checkCaller(callerDomid);
    this.checkPath(path);
    const node = this.nodes.get(path);
    if (node === undefined) throw new XenStoreError("ENOENT", `no node ${path}`);
    const newPerms = checkedPerms(perms, `set perms of ${path}`);
    const oldPerms = node.perms;
    node.perms = newPerms;
    const visibleTo = withParent(this.get(parentPath(path)), oldPerms, newPerms);
    this.changeLog.record({ path, removed: false, visibleTo });
  }

  /** Ends the batch; later use is a bug. */
  close(): void {
    this.open = false;
  }

  changes(): NodeChange[] {
    return this.changeLog.changes();
  }

  private putValue(path: string, value: string, overwrite: boolean): void {
    const node = this.nodes.get(path);
    if (node === undefined) {
      this.create(path, value);
      return;
    }
    if (!overwrite) return;
    node.value = value;
    const visibleTo = withParent(this.get(parentPath(path)), node.perms);
    this.changeLog.record({ path, removed: false, visibleTo });
  }

  /** CheckedTree.create for Dom0: missing parents made too, every new node with the nearest's perms. */
  private create(path: string, value: string): void {
    let missingPaths: string[] | undefined; // the missing parents, nearest first; most writes have none
    let ancestorPath = parentPath(path);
    let ancestor = this.nodes.get(ancestorPath);
    let rootParent: XsNode | undefined;
    while (ancestor === undefined) {
      rootParent = this.rootParents.get(ancestorPath);
      if (rootParent !== undefined) break;
      (missingPaths ??= []).push(ancestorPath);
      ancestorPath = parentPath(ancestorPath); // a root's parent is there
      ancestor = this.nodes.get(ancestorPath);
    }
    const perms = (ancestor ?? (rootParent as XsNode)).perms; // inheritedPerms: Dom0 creates with its parent's list
    // Each new node under the one made just before it; a root goes under its parent at adoption.
    let parent = ancestor;
    for (let index = (missingPaths?.length ?? 0) - 1; index >= -1; index -= 1) {
      const newPath = index >= 0 ? (missingPaths as string[])[index]! : path;
      const node: NewNode = { value: index >= 0 ? "" : value, perms, childNames: NO_CHILDREN };
      if (parent !== undefined) addChild(parent, newPath);
      this.nodes.set(newPath, node);
      parent = node;
    }
    this.changeLog.record({ path, removed: false, visibleTo: [perms, perms] });
  }

  private get(path: string): XsNode | undefined {
    return this.nodes.get(path) ?? this.rootParents.get(path);
  }

  private checkCaller(callerDomid: number): void {
    if (!this.open) throw new Error("xenstore: new subtrees used after they were committed");
    if (callerDomid !== 0) throw new Error(`xenstore: domain ${callerDomid} used Dom0's new subtrees`);
  }

  private checkPath(path: string): void {
    for (const root of this.roots) if (isValidPathAtOrBelow(path, root)) return;
    validateNodePath(path); // a bad path: EINVAL, as CheckedTree says it
    throw new Error(`xenstore: ${path} is outside the new subtrees ${this.roots.join(", ")}`);
  }
}
