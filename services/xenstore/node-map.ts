import type { StoredNode } from "./tree.js";

/** Where a NodeTree keeps its nodes, keyed by path: a plain Map, or an overlay on another map. */
export interface NodeMap {
  readonly size: number;
  get(path: string): StoredNode | undefined;
  has(path: string): boolean;
  set(path: string, node: StoredNode): void;
  delete(path: string): void;
}

/**
 * A copy-on-write view of `base` for one transaction: writes and removals stay here (a removal as
 * `null`), reads fall through to `base` for every path not touched. `applyTo` moves the
 * changes into `base`, so a commit costs O(changed nodes), not O(nodes in the store).
 */
export class OverlayNodeMap implements NodeMap {
  private readonly changedNodes = new Map<string, StoredNode | null>();

  constructor(private readonly base: ReadonlyMap<string, StoredNode>) {}

  /** O(changed nodes): counted when asked, so that `set` and `delete` need no lookup in the base. */
  get size(): number {
    let size = this.base.size;
    for (const [path, node] of this.changedNodes) {
      size += (node === null ? 0 : 1) - (this.base.has(path) ? 1 : 0);
    }
    return size;
  }

  get(path: string): StoredNode | undefined {
    const changed = this.changedNodes.get(path);
    if (changed === undefined) return this.base.get(path);
    return changed ?? undefined;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  set(path: string, node: StoredNode): void {
    this.changedNodes.set(path, node);
  }

  delete(path: string): void {
    this.changedNodes.set(path, null);
  }

  /**
   * Writes every change into `target`, which must be the map this overlay was made on; `settle`
   * turns a node as the overlay kept it into the node the target keeps.
   */
  applyTo(target: Map<string, StoredNode>, settle: (node: StoredNode) => StoredNode): void {
    if (target !== this.base) throw new Error("xenstore: an overlay applied to a map it was not made on");
    for (const [path, node] of this.changedNodes) {
      if (node === null) target.delete(path);
      else target.set(path, settle(node));
    }
  }
}
