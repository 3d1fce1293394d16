import { XenStoreError } from "./errors.js";
import { isValidDomid, validateDomid } from "./domid.js";
import { XENSTORE_PAYLOAD_MAX } from "./limits.js";
import type { NodeChangeSink } from "./node-change.js";
import { parentPath, ROOT_PATH, validateNodePath } from "./path.js";
import {
  canRead,
  canWrite,
  checkedPerms,
  formatPerms,
  inheritedPerms,
  isOwner,
  isPrivileged,
  type XenStorePerms,
} from "./perms.js";
import type { NodeTree, XsNode } from "./tree.js";

/** What `create` made: the new nodes' perms and the perms of the new node's parent. */
interface CreatedNode {
  perms: XenStorePerms;
  parentPerms: XenStorePerms;
}

/**
 * The xenstored operations on one tree, checked against the caller's permissions. Every operation
 * validates everything before it changes anything, so a thrown XenStoreError leaves the tree as it
 * was. Each change is reported to `onChange` after it is made.
 */
export class CheckedTree {
  constructor(
    private readonly tree: NodeTree,
    private readonly onChange: NodeChangeSink,
  ) {}

  read(path: string, callerDomid: number): string | undefined {
    const node = this.lookup(path, callerDomid);
    if (node !== undefined) requireAccess(node, "read", path, callerDomid);
    return node?.value;
  }

  exists(path: string): boolean {
    validateNodePath(path);
    return this.tree.has(path);
  }

  /** Child names, sorted; [] for a missing node. */
  directory(path: string, callerDomid: number): string[] {
    const node = this.lookup(path, callerDomid);
    if (node === undefined) return [];
    requireAccess(node, "read", path, callerDomid);
    return [...node.childNames].sort();
  }

  getPerms(path: string, callerDomid: number): XenStorePerms {
    const node = this.mustExist(path, callerDomid);
    requireAccess(node, "read", path, callerDomid);
    return node.perms;
  }

  write(path: string, value: string, callerDomid: number): void {
    validateValue(path, value);
    this.putValue(path, value, callerDomid, true);
  }

  /** Creates an empty node; an existing node is left alone (xenstored's `do_mkdir`). */
  mkdir(path: string, callerDomid: number): void {
    this.putValue(path, "", callerDomid, false);
  }

  /** Removes `path` and its subtree; a missing node is not an error and fires nothing. */
  rm(path: string, callerDomid: number): void {
    const node = this.lookup(path, callerDomid);
    if (path === ROOT_PATH) throw new XenStoreError("EINVAL", "the root / cannot be removed");
    if (node === undefined) return;
    requireAccess(node, "write", path, callerDomid);
    const parentPathOfNode = parentPath(path);
    const parent = this.tree.get(parentPathOfNode);
    this.tree.removeSubtree(path, parentPathOfNode);
    this.onChange({ path, removed: true, visibleTo: withParent(parent, node.perms) });
  }

  setPerms(path: string, perms: XenStorePerms, callerDomid: number): void {
    const node = this.mustExist(path, callerDomid);
    const newPerms = checkedPerms(perms, `set perms of ${path}`);
    if (!isOwner(node.perms, callerDomid)) {
      throw accessError(node, "set perms of", path, callerDomid);
    }
    if (!isPrivileged(callerDomid) && newPerms[0]?.domid !== node.perms[0]?.domid) {
      throw new XenStoreError("EPERM", `domain ${callerDomid} may not change the owner of ${path}`);
    }
    this.tree.setPerms(path, newPerms);
    const parent = this.tree.get(parentPath(path));
    this.onChange({ path, removed: false, visibleTo: withParent(parent, node.perms, newPerms) });
  }

  private putValue(path: string, value: string, callerDomid: number, overwrite: boolean): void {
    const node = this.lookup(path, callerDomid);
    if (node === undefined) {
      const created = this.create(path, value, callerDomid);
      this.onChange({ path, removed: false, visibleTo: [created.perms, created.parentPerms] });
      return;
    }
    requireAccess(node, "write", path, callerDomid);
    if (!overwrite) return;
    this.tree.replace(path, node, value, node.perms);
    const parent = this.tree.get(parentPath(path));
    this.onChange({ path, removed: false, visibleTo: withParent(parent, node.perms) });
  }

  /**
   * Creates the missing `path` and any missing parents; the caller needs write access to the nearest
   * ancestor. Returns the perms the new nodes got, and the perms of the new node's parent.
   */
  private create(path: string, value: string, callerDomid: number): CreatedNode {
    const missingPaths: string[] = [path];
    let ancestorPath = parentPath(path);
    let ancestor = this.tree.get(ancestorPath);
    while (ancestor === undefined) {
      missingPaths.push(ancestorPath);
      ancestorPath = parentPath(ancestorPath); // throws at the root, which always exists
      ancestor = this.tree.get(ancestorPath);
    }
    if (!canWrite(ancestor.perms, callerDomid)) {
      throw new XenStoreError(
        "EACCES",
        `domain ${callerDomid} may not create ${path} under ${ancestorPath} (perms ${formatPerms(ancestor.perms)})`,
      );
    }
    const perms = inheritedPerms(ancestor.perms, callerDomid);
    // Parents first: each new node goes under the one made just before it (or the ancestor).
    let parent = ancestorPath;
    for (let index = missingPaths.length - 1; index >= 0; index -= 1) {
      const missingPath = missingPaths[index] as string;
      this.tree.putNew(missingPath, parent, index === 0 ? value : "", perms);
      parent = missingPath;
    }
    return { perms, parentPerms: missingPaths.length > 1 ? perms : ancestor.perms };
  }

  private lookup(path: string, callerDomid: number): XsNode | undefined {
    validateNodePath(path);
    // Every operation passes here: the message is built only for a bad domid.
    if (!isValidDomid(callerDomid)) validateDomid(callerDomid, `caller of ${path}`);
    return this.tree.get(path);
  }

  private mustExist(path: string, callerDomid: number): XsNode {
    const node = this.lookup(path, callerDomid);
    if (node === undefined) throw new XenStoreError("ENOENT", `no node ${path}`);
    return node;
  }
}

/**
 * UTF-8 bytes of one UTF-16 code unit at most (a surrogate pair's two units make 4 bytes): a value
 * of at most XENSTORE_PAYLOAD_MAX / 3 units fits without counting its bytes.
 */
const UTF8_BYTE_COUNT_PER_UTF16_UNIT_MAX = 3;

/** Throws E2BIG for a value longer than XENSTORE_PAYLOAD_MAX bytes. */
export function validateValue(path: string, value: string): void {
  if (value.length * UTF8_BYTE_COUNT_PER_UTF16_UNIT_MAX <= XENSTORE_PAYLOAD_MAX) return; // every write asks
  const valueByteCount = Buffer.byteLength(value, "utf8");
  if (valueByteCount > XENSTORE_PAYLOAD_MAX) {
    throw new XenStoreError(
      "E2BIG",
      `value for ${path} is ${valueByteCount} bytes, more than XENSTORE_PAYLOAD_MAX ${XENSTORE_PAYLOAD_MAX}`,
    );
  }
}

function requireAccess(node: XsNode, what: "read" | "write", path: string, callerDomid: number): void {
  const allowed = what === "read" ? canRead(node.perms, callerDomid) : canWrite(node.perms, callerDomid);
  if (!allowed) throw accessError(node, what, path, callerDomid);
}

function accessError(node: XsNode, what: string, path: string, callerDomid: number): XenStoreError {
  return new XenStoreError(
    "EACCES",
    `domain ${callerDomid} may not ${what} ${path} (perms ${formatPerms(node.perms)})`,
  );
}

/**
 * Who may see a change: the node's perms (`perms`, and `newPerms` for a perms change), then its
 * parent's (xenstored's `watch_permitted`). One list of the size it needs, no copy.
 */
export function withParent(
  parent: XsNode | undefined,
  perms: XenStorePerms,
  newPerms?: XenStorePerms,
): readonly XenStorePerms[] {
  if (newPerms === undefined) return parent === undefined ? [perms] : [perms, parent.perms];
  return parent === undefined ? [perms, newPerms] : [perms, newPerms, parent.perms];
}
