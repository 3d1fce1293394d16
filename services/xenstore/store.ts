import { DOMID_DOM0 } from "../core/units.js";
import { CheckedTree } from "./checked-tree.js";
import { validateDomid } from "./domid.js";
import { XenStoreError } from "./errors.js";
import { WatchEventQueue } from "./event-queue.js";
import type { NodeChange } from "./node-change.js";
import { NewSubtrees, type NewSubtreeOps } from "./new-subtrees.js";
import type { XenStoreNodeOps } from "./node-ops.js";
import type { XenStorePerms } from "./perms.js";
import { restoreSubtree, snapshotSubtree, type XenStoreSnapshot } from "./snapshot.js";
import { XenStoreTransaction } from "./transaction.js";
import { NodeTree } from "./tree.js";
import { WatchRegistry, type SpecialWatchPath, type Watch, type WatchCallback } from "./watches.js";

/**
 * The XenStore of one host (tools/xenstored; docs/misc/xenstore.txt): a tree of string values
 * with per-node permissions, watches and transactions. Synchronous and deterministic: watch
 * callbacks run after the change that fired them, before the call that made it returns.
 */
export class XenStore implements XenStoreNodeOps {
  private changeCountNow = 0;
  /** Called after each commit that changed a node (the host wakes from its shared second: host/shared-second.ts). */
  onCommit: (() => void) | undefined = undefined;

  /** Node changes committed so far (writes, removals, permission changes): grows with every change. */
  get changeCount(): number {
    return this.changeCountNow;
  }

  private readonly tree = new NodeTree();
  /** Changes the writer made in the current `mutate`, collected by its sink. */
  private changesPending: NodeChange[] = [];
  private readonly writer = new CheckedTree(this.tree, (change) => this.changesPending.push(change));
  private readonly reader = new CheckedTree(this.tree, () => {
    throw new Error("xenstore: a read changed the tree");
  });
  private readonly watches = new WatchRegistry();
  private readonly eventQueue = new WatchEventQueue((watch) => this.watches.isRegistered(watch));
  /** Dom0's connection exists from the start, like xenstored's. */
  private readonly introducedDomids = new Set<number>([DOMID_DOM0]);
  private transactionOpen = false;

  get nodeCount(): number {
    return this.tree.nodeCount;
  }
  get watchCount(): number {
    return this.watches.watchCount;
  }
  nodeCountOwnedBy(domid: number): number {
    let count = 0;
    for (const [, node] of this.tree.walk("/")) if (node.perms[0]?.domid === domid) count += 1;
    return count;
  }
  watchCountOwnedBy(domid: number): number {
    return this.watches.countOwnedBy(domid);
  }

  read(path: string, callerDomid = DOMID_DOM0): string | undefined {
    return this.reader.read(path, callerDomid);
  }
  directory(path: string, callerDomid = DOMID_DOM0): string[] {
    return this.reader.directory(path, callerDomid);
  }
  exists(path: string): boolean {
    return this.reader.exists(path);
  }
  getPerms(path: string, callerDomid = DOMID_DOM0): XenStorePerms {
    return this.reader.getPerms(path, callerDomid);
  }

  write(path: string, value: string, callerDomid = DOMID_DOM0): void {
    this.mutate((checked) => checked.write(path, value, callerDomid));
  }
  mkdir(path: string, callerDomid = DOMID_DOM0): void {
    this.mutate((checked) => checked.mkdir(path, callerDomid));
  }
  rm(path: string, callerDomid = DOMID_DOM0): void {
    this.mutate((checked) => checked.rm(path, callerDomid));
  }
  setPerms(path: string, perms: XenStorePerms, callerDomid = DOMID_DOM0): void {
    this.mutate((checked) => checked.setPerms(path, perms, callerDomid));
  }

  /**
   * Calls `callback(changedPath, token)` for every change at or below `path` (and, for an rm above
   * it, with `path` itself). Like xenstored, it fires once at once with `path`. Returns the
   * registration, for `unwatchRegistration`.
   */
  watch(path: string, token: string, callback: WatchCallback, callerDomid = DOMID_DOM0): Watch {
    validateDomid(callerDomid, `watch on ${path}`);
    const watch = this.watches.add(path, token, callerDomid, callback);
    this.eventQueue.enqueue([{ watch, eventPath: path }]);
    this.eventQueue.drain();
    return watch;
  }
  unwatch(path: string, token: string, callerDomid = DOMID_DOM0): void {
    this.watches.remove(path, token, callerDomid);
  }
  /**
   * `unwatch(watch.path, watch.token, watch.ownerDomid)` for a registration `watch` returned,
   * without looking it up again while it is registered (a guest agent's stop).
   */
  unwatchRegistration(watch: Watch): void {
    this.watches.removeWatch(watch);
  }

  /** XS_INTRODUCE: a domain's connection appears; fires @introduceDomain. */
  introduceDomain(domid: number): void {
    validateDomid(domid, "introduce");
    if (this.introducedDomids.has(domid)) {
      throw new XenStoreError("EEXIST", `domain ${domid} is already introduced`);
    }
    this.assertNoTransaction();
    this.introducedDomids.add(domid);
    this.fireSpecial("@introduceDomain");
  }

  /** XS_RELEASE: the domain is gone; its watches go with it. Fires @releaseDomain. */
  releaseDomain(domid: number): void {
    validateDomid(domid, "release");
    if (domid === DOMID_DOM0) throw new XenStoreError("EINVAL", "Dom0 cannot be released");
    if (!this.introducedDomids.has(domid)) {
      throw new XenStoreError("ENOENT", `domain ${domid} is not introduced`);
    }
    this.assertNoTransaction();
    this.introducedDomids.delete(domid);
    this.watches.removeAllOwnedBy(domid);
    this.fireSpecial("@releaseDomain");
  }

  isDomainIntroduced(domid: number): boolean {
    return this.introducedDomids.has(domid);
  }

  /**
   * Runs `fn` against a copy-on-write fork of the store's tree and applies all of it when `fn` returns; watches
   * fire after that. If `fn` throws, nothing is applied and nothing fires. `fn` must be synchronous.
   * The transaction's operations act as `callerDomid`.
   */
  transaction<T>(fn: (tx: XenStoreTransaction) => T, callerDomid = DOMID_DOM0): T {
    this.assertNoTransaction();
    validateDomid(callerDomid, "transaction");
    const txTree = this.tree.fork();
    const tx = new XenStoreTransaction(txTree, callerDomid);
    const result = this.runOpen(() => fn(tx), tx);
    this.tree.commit(txTree);
    this.fireChanges(tx.changes());
    return result;
  }

  /**
   * `transaction(fn)` for Dom0 making subtrees that are not there yet (a new domain's home and /vm
   * entry, as libxl__domain_make does): when each root is missing and its parent there, `fn`'s
   * operations make new nodes of their own, added in one commit, with the nodes, perms, errors and
   * watch events the transaction gives (NewSubtrees); otherwise it is the transaction. `fn` may
   * only write, mkdir and set perms at or below `roots`.
   */
  transactionOnNewSubtrees(roots: readonly string[], fn: (ops: NewSubtreeOps) => void): void {
    this.assertNoTransaction();
    const batch = NewSubtrees.tryStart(this.tree, roots);
    if (batch === undefined) return this.transaction(fn);
    this.runOpen(() => fn(batch), batch);
    this.tree.adoptNewSubtrees(roots, batch.nodes);
    // Every change is at or below a root: with no node watch on, above or below any, none fires.
    this.fireChanges(
      batch.changes(),
      roots.some((root) => this.watches.mayMatchAtOrBelow(root)),
    );
  }

  /** Runs a transaction's `fn` with the store closed to other changes; `batch` ends with it. */
  private runOpen<T>(fn: () => T, batch: { close(): void }): T {
    this.transactionOpen = true;
    let result: T;
    try {
      result = fn();
    } finally {
      batch.close();
      this.transactionOpen = false;
    }
    if (isPromiseLike(result)) throw new Error("xenstore: a transaction function must not be async");
    return result;
  }

  /** Every node at or below `prefix`, keyed by path relative to it (see XenStoreSnapshot). */
  snapshot(prefix: string): XenStoreSnapshot {
    return snapshotSubtree(this.tree, prefix);
  }

  /** Replaces the subtree at `prefix` with a snapshot, in one transaction; nodes inherit perms. */
  restore(prefix: string, entries: XenStoreSnapshot): void {
    this.transaction((tx) => restoreSubtree(tx, prefix, entries));
  }

  private mutate(change: (checked: CheckedTree) => void): void {
    this.assertNoTransaction();
    this.changesPending.length = 0; // left over only if an earlier change threw half-way: a bug
    change(this.writer);
    // Taken before firing: a callback's own changes start a list of their own.
    const changes = this.changesPending;
    this.changesPending = [];
    this.fireChanges(changes);
  }

  /** `mayMatch`: false when no watch can match any of `changes`, so none is looked up. */
  private fireChanges(changes: readonly NodeChange[], mayMatch = true): void {
    this.changeCountNow += changes.length;
    if (mayMatch) for (const change of changes) this.eventQueue.enqueue(this.watches.matchChange(change));
    this.eventQueue.drain();
    if (changes.length > 0) this.onCommit?.();
  }

  private fireSpecial(path: SpecialWatchPath): void {
    this.eventQueue.enqueue(this.watches.matchSpecial(path));
    this.eventQueue.drain();
  }

  private assertNoTransaction(): void {
    if (this.transactionOpen) {
      throw new Error("xenstore: the store changed while a transaction is open; use the transaction");
    }
  }
}

function isPromiseLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "then") === "function";
}
