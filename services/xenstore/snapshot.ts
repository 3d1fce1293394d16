import { XenStoreError } from "./errors.js";
import type { XenStoreNodeOps } from "./node-ops.js";
import { joinPath, relativePath, validateNodePath } from "./path.js";
import type { NodeTree } from "./tree.js";

/**
 * A subtree's values keyed by path relative to the subtree's root ("" is the root itself,
 * "memory/target" a descendant), so it can be restored under another domid's home. Perms are not
 * kept: they name domids, which change on migration, so the toolstack sets them again.
 */
export type XenStoreSnapshot = Readonly<Record<string, string>>;

export function snapshotSubtree(tree: NodeTree, prefix: string): XenStoreSnapshot {
  validateNodePath(prefix);
  if (!tree.has(prefix)) throw new XenStoreError("ENOENT", `no node ${prefix} to snapshot`);
  const entries = [...tree.walk(prefix)].map(([path, node]) => [relativePath(path, prefix), node.value]);
  return Object.fromEntries(entries) as XenStoreSnapshot;
}

/** Replaces the subtree at `prefix` with `entries`; run it inside a transaction. */
export function restoreSubtree(ops: XenStoreNodeOps, prefix: string, entries: XenStoreSnapshot): void {
  validateNodePath(prefix);
  const relativePaths = Object.keys(entries).sort();
  if (!relativePaths.includes("")) {
    throw new XenStoreError("EINVAL", `snapshot for ${prefix} has no entry "" for the subtree's root`);
  }
  ops.rm(prefix);
  for (const relative of relativePaths) {
    if (relative.startsWith("/")) {
      throw new XenStoreError("EINVAL", `snapshot key ${JSON.stringify(relative)} must be relative`);
    }
    ops.write(joinPath(prefix, relative), entries[relative] ?? "");
  }
}
