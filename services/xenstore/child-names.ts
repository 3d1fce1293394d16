/** What readers may do with a node's child names. */
export interface ReadonlyChildNames extends Iterable<string> {
  has(name: string): boolean;
}

/**
 * A fork's changes to the child names of a node its base tree owns, kept beside the base's set
 * instead of in a copy of it, so adding `/vm/$UUID` in a transaction costs O(1), not O(domains).
 * The base set must not change while the delta lives; `applyToBase` changes it in place at commit.
 */
export class ChildNamesDelta implements ReadonlyChildNames {
  private readonly addedNames = new Set<string>();
  private readonly removedNames = new Set<string>();

  constructor(private readonly base: Set<string>) {}

  has(name: string): boolean {
    return this.addedNames.has(name) || (this.base.has(name) && !this.removedNames.has(name));
  }

  /** Adds a name that is not there now. */
  add(name: string): void {
    if (this.has(name)) throw new Error(`xenstore: child ${name} added twice`);
    if (!this.removedNames.delete(name)) this.addedNames.add(name);
  }

  /** Removes a name that is there now. */
  delete(name: string): void {
    if (!this.has(name)) throw new Error(`xenstore: child ${name} removed but not there`);
    if (!this.addedNames.delete(name)) this.removedNames.add(name);
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const name of this.base) if (!this.removedNames.has(name)) yield name;
    yield* this.addedNames;
  }

  /** Makes the base set what this delta shows and returns it. */
  applyToBase(): Set<string> {
    for (const name of this.removedNames) this.base.delete(name);
    for (const name of this.addedNames) this.base.add(name);
    return this.base;
  }
}
