import type { NodeChange } from "./node-change.js";

/**
 * The changes of one batch (a transaction, or new subtrees): one per node, in first-change order,
 * as xenstored's `add_change_node` keeps them; a node changed again is seen by whoever could see
 * either change.
 */
export class ChangeLog {
  private readonly changesByPath = new Map<string, NodeChange>();

  record(change: NodeChange): void {
    const earlier = this.changesByPath.get(change.path);
    if (earlier === undefined) {
      this.changesByPath.set(change.path, change);
      return;
    }
    const visibleTo = [...earlier.visibleTo, ...change.visibleTo];
    this.changesByPath.set(change.path, { ...change, removed: earlier.removed || change.removed, visibleTo });
  }

  changes(): NodeChange[] {
    return [...this.changesByPath.values()];
  }
}
