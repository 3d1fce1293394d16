import type { XenStorePerms } from "./perms.js";

/**
 * One change to the tree, as watches see it. `visibleTo` lists the permission lists under which a
 * watcher may learn of it: the node's own (old and new for a perms change) and its parent's, as in
 * xenstored's `watch_permitted` (tools/xenstored/watch.c).
 */
export interface NodeChange {
  readonly path: string;
  /** An rm: watches below `path` fire too. */
  readonly removed: boolean;
  readonly visibleTo: readonly XenStorePerms[];
}

export type NodeChangeSink = (change: NodeChange) => void;
