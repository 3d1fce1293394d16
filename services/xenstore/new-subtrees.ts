import { ChangeLog } from "./change-log.js";
import { validateValue, withParent } from "./checked-tree.js";
import { XenStoreError } from "./errors.js";
import type { NodeChange } from "./node-change.js";
import type { XenStoreNodeOps } from "./node-ops.js";
import { baseName, isAtOrBelow, parentPath, ROOT_PATH, validateNodePath } from "./path.js";
import { checkedPerms, type XenStorePerms } from "./perms.js";
import { ChildNames } from "./child-names.js";
import { NO_CHILDREN, type NodeTree, type XsNode } from "./tree.js";

/** What a batch of new subtrees may do: Dom0's writes, mkdirs and perms, at or below its roots. */
export type NewSubtreeOps = Pick<XenStoreNodeOps, "write" | "mkdir" | "setPerms">;

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
    for (const [index, root] of roots.entries()) {
      validateNodePath(root);
      if (root === ROOT_PATH || roots.some((other, i) => i !== index && isAtOrBelow(root, other)))
        throw new Error(`xenstore: new subtree root ${root} is the root or overlaps another`);
      const parent = tree.get(parentPath(root));
      if (tree.has(root) || parent === undefined) return undefined;
      rootParents.set(parentPath(root), parent);
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
    const visibleTo = withParent([oldPerms, newPerms], this.get(parentPath(path)));
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
    const visibleTo = withParent([node.perms], this.get(parentPath(path)));
    this.changeLog.record({ path, removed: false, visibleTo });
  }

  /** CheckedTree.create for Dom0: missing parents made too, every new node with the nearest's perms. */
  private create(path: string, value: string): void {
    const missingPaths: string[] = [path];
    let ancestorPath = parentPath(path);
    let ancestor = this.get(ancestorPath);
    while (ancestor === undefined) {
      missingPaths.push(ancestorPath);
      ancestorPath = parentPath(ancestorPath); // a root's parent is there
      ancestor = this.get(ancestorPath);
    }
    const perms = ancestor.perms; // inheritedPerms: Dom0 creates with its parent's list
    let parent = ancestorPath;
    for (let index = missingPaths.length - 1; index >= 0; index -= 1) {
      const missingPath = missingPaths[index] as string;
      this.addChild(parent, missingPath);
      this.nodes.set(missingPath, { value: index === 0 ? value : "", perms, childNames: NO_CHILDREN });
      parent = missingPath;
    }
    const visibleTo = [perms, missingPaths.length > 1 ? perms : ancestor.perms];
    this.changeLog.record({ path, removed: false, visibleTo });
  }

  /** A root goes under its parent when the tree adopts it; others under their new parent now. */
  private addChild(parent: string, path: string): void {
    const node = this.nodes.get(parent);
    if (node === undefined) return;
    if (node.childNames === NO_CHILDREN) node.childNames = new ChildNames();
    node.childNames.add(baseName(path), path);
  }

  private get(path: string): XsNode | undefined {
    return this.nodes.get(path) ?? this.rootParents.get(path);
  }

  private checkCaller(callerDomid: number): void {
    if (!this.open) throw new Error("xenstore: new subtrees used after they were committed");
    if (callerDomid !== 0) throw new Error(`xenstore: domain ${callerDomid} used Dom0's new subtrees`);
  }

  private checkPath(path: string): void {
    validateNodePath(path);
    if (!this.roots.some((root) => isAtOrBelow(path, root)))
      throw new Error(`xenstore: ${path} is outside the new subtrees ${this.roots.join(", ")}`);
  }
}
