/** What the index needs of a watch: the node path it is on. */
export interface IndexedWatch {
  readonly path: string;
}

/** A trie node; its maps are made when first needed (most nodes hold only watches or only children). */
interface PathNode<W> {
  readonly name: string;
  readonly parent: PathNode<W> | undefined;
  /** Watches on exactly this path, by a key unique among them, in registration order. */
  watches: Map<string, W> | undefined;
  children: Map<string, PathNode<W>> | undefined;
}

/**
 * Node-path watches in a trie of path components, so a change finds its watches in O(path depth)
 * (plus, for an rm, the watches in the removed subtree) instead of testing every watch. The trie
 * nodes that hold watches are also kept by their full path: finding one watch (a guest agent's
 * unwatch, a duplicate check) hashes its path once instead of splitting it.
 */
export class WatchPathIndex<W extends IndexedWatch> {
  private readonly root: PathNode<W> = pathNode("", undefined);
  /** Every trie node with at least one watch, by the watches' path. */
  private readonly nodesWatchedByPath = new Map<string, PathNode<W>>();

  get(path: string, key: string): W | undefined {
    return this.nodesWatchedByPath.get(path)?.watches?.get(key);
  }

  add(key: string, watch: W): void {
    const { path } = watch;
    let node = this.root;
    for (let start = 1; start < path.length;) {
      const end = componentEnd(path, start);
      const name = path.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(name);
      if (child === undefined) {
        child = pathNode(name, node);
        node.children.set(name, child);
      }
      node = child;
      start = end + 1;
    }
    node.watches ??= new Map();
    if (node.watches.has(key)) throw new Error(`xenstore: watch ${key} on ${path} indexed twice`);
    node.watches.set(key, watch);
    this.nodesWatchedByPath.set(path, node);
  }

  /** Removes the watch and prunes the trie nodes left empty; false if there is no such watch. */
  remove(path: string, key: string): boolean {
    let node = this.nodesWatchedByPath.get(path);
    const watches = node?.watches;
    if (node === undefined || watches === undefined) return false;
    // The last entry of a map is dropped with the map, not deleted from it: a Map.delete that
    // leaves a map less than half full shrinks it (a runtime call and a new table) first.
    if (watches.size === 1) {
      if (!watches.has(key)) return false;
      node.watches = undefined;
      this.nodesWatchedByPath.delete(path);
    } else if (!watches.delete(key)) return false;
    while (node.parent !== undefined && node.watches === undefined && !(node.children?.size ?? 0)) {
      const parent: PathNode<W> = node.parent;
      const siblings = parent.children;
      if (siblings !== undefined && siblings.size === 1) parent.children = undefined;
      else siblings?.delete(node.name);
      node = parent;
    }
    return true;
  }

  /** Watches on `path` or one of its ancestors (root first), then, if `withBelow`, those below it. */
  collect(path: string, withBelow: boolean, into: (watch: W, isBelow: boolean) => void): void {
    let node = this.root;
    if (node.watches !== undefined) for (const watch of node.watches.values()) into(watch, false);
    for (let start = 1; start < path.length;) {
      if (node.children === undefined) return;
      const end = componentEnd(path, start);
      const child = node.children.get(path.slice(start, end));
      if (child === undefined) return;
      node = child;
      if (node.watches !== undefined) for (const watch of node.watches.values()) into(watch, false);
      start = end + 1;
    }
    if (withBelow) collectBelow(node, into);
  }
}

function collectBelow<W>(node: PathNode<W>, into: (watch: W, isBelow: boolean) => void): void {
  if (node.children === undefined) return;
  for (const child of node.children.values()) {
    if (child.watches !== undefined) for (const watch of child.watches.values()) into(watch, true);
    collectBelow(child, into);
  }
}

/** Where the component of a node path that starts at `start` ends: at the next "/" or the end. */
function componentEnd(path: string, start: number): number {
  const slashIndex = path.indexOf("/", start);
  return slashIndex === -1 ? path.length : slashIndex;
}

function pathNode<W>(name: string, parent: PathNode<W> | undefined): PathNode<W> {
  return { name, parent, watches: undefined, children: undefined };
}
