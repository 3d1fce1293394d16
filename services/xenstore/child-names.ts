/** What readers may do with a node's children. */
export interface ReadonlyChildNames extends Iterable<string> {
  has(name: string): boolean;
  /**
   * The children's full paths, each the very string the tree keys that child under: flat, its hash
   * computed once when it was stored, so a walk over a subtree (a removal) looks each child up
   * without building and hashing its path again.
   */
  paths(): Iterable<string>;
}

/** A base tree's children of one node: each name with the child's full path. Iterates the names. */
export class ChildNames implements ReadonlyChildNames {
  private readonly pathsByName = new Map<string, string>();

  get size(): number {
    return this.pathsByName.size;
  }

  has(name: string): boolean {
    return this.pathsByName.has(name);
  }

  /** Adds `name`, the last component of `path`, which is not there now. */
  add(name: string, path: string): void {
    if (this.pathsByName.has(name)) throw new Error(`xenstore: child ${name} added twice`);
    this.pathsByName.set(name, path);
  }

  /** Removes a name that is there now. */
  delete(name: string): void {
    if (!this.pathsByName.delete(name)) throw new Error(`xenstore: child ${name} removed but not there`);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.pathsByName.keys();
  }

  paths(): Iterable<string> {
    return this.pathsByName.values();
  }

  /** Each name with its child's path, in insertion order. */
  entries(): Iterable<[string, string]> {
    return this.pathsByName.entries();
  }
}

/**
 * A fork's changes to the children of a node its base tree owns, kept beside the base's set
 * instead of in a copy of it, so adding `/vm/$UUID` in a transaction costs O(1), not O(domains).
 * The base must not change while the delta lives; `applyToBase` changes it in place at commit.
 */
export class ChildNamesDelta implements ReadonlyChildNames {
  private readonly addedPaths = new Map<string, string>();
  private readonly removedNames = new Set<string>();

  constructor(private readonly base: ChildNames) {}

  has(name: string): boolean {
    return this.addedPaths.has(name) || (this.base.has(name) && !this.removedNames.has(name));
  }

  /** Adds `name`, the last component of `path`, which is not there now. */
  add(name: string, path: string): void {
    if (this.has(name)) throw new Error(`xenstore: child ${name} added twice`);
    // A name removed and added again: its path is the same string's equal, so the base's stands.
    if (!this.removedNames.delete(name)) this.addedPaths.set(name, path);
  }

  /** Removes a name that is there now. */
  delete(name: string): void {
    if (!this.has(name)) throw new Error(`xenstore: child ${name} removed but not there`);
    if (!this.addedPaths.delete(name)) this.removedNames.add(name);
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const name of this.base) if (!this.removedNames.has(name)) yield name;
    yield* this.addedPaths.keys();
  }

  *paths(): Iterable<string> {
    for (const [name, path] of this.base.entries()) if (!this.removedNames.has(name)) yield path;
    yield* this.addedPaths.values();
  }

  /** Makes the base what this delta shows and returns it. */
  applyToBase(): ChildNames {
    for (const name of this.removedNames) this.base.delete(name);
    for (const [name, path] of this.addedPaths) this.base.add(name, path);
    return this.base;
  }
}
