import { ChangeLog } from "./change-log.js";
import { CheckedTree } from "./checked-tree.js";
import type { NodeChange } from "./node-change.js";
import type { XenStoreNodeOps } from "./node-ops.js";
import type { XenStorePerms } from "./perms.js";
import type { NodeTree } from "./tree.js";

/**
 * An all-or-nothing batch (XS_TRANSACTION_START/END). It works on a private copy of the tree, so it
 * reads its own writes and the store is untouched until commit. xenstored answers EAGAIN when another
 * connection changed a node the transaction used; the simulator runs one transaction at a time,
 * synchronously, so that conflict cannot happen and is not modelled.
 */
export class XenStoreTransaction implements XenStoreNodeOps {
  private readonly checked: CheckedTree;
  private readonly changeLog = new ChangeLog();
  private open = true;

  /** `callerDomid`: the domain whose connection runs the transaction; ops act as that domain. */
  constructor(
    tree: NodeTree,
    readonly callerDomid: number,
  ) {
    this.checked = new CheckedTree(tree, (change) => this.changeLog.record(change));
  }

  read(path: string, callerDomid = this.callerDomid): string | undefined {
    return this.openTree(callerDomid).read(path, callerDomid);
  }
  write(path: string, value: string, callerDomid = this.callerDomid): void {
    this.openTree(callerDomid).write(path, value, callerDomid);
  }
  mkdir(path: string, callerDomid = this.callerDomid): void {
    this.openTree(callerDomid).mkdir(path, callerDomid);
  }
  rm(path: string, callerDomid = this.callerDomid): void {
    this.openTree(callerDomid).rm(path, callerDomid);
  }
  directory(path: string, callerDomid = this.callerDomid): string[] {
    return this.openTree(callerDomid).directory(path, callerDomid);
  }
  exists(path: string): boolean {
    return this.openTree(this.callerDomid).exists(path);
  }
  getPerms(path: string, callerDomid = this.callerDomid): XenStorePerms {
    return this.openTree(callerDomid).getPerms(path, callerDomid);
  }
  setPerms(path: string, perms: XenStorePerms, callerDomid = this.callerDomid): void {
    this.openTree(callerDomid).setPerms(path, perms, callerDomid);
  }

  /** Ends the transaction; later use is a bug (the store has moved on without it). */
  close(): void {
    this.open = false;
  }

  /** One change per node, in first-change order, as xenstored's `add_change_node` keeps them. */
  changes(): NodeChange[] {
    return this.changeLog.changes();
  }

  private openTree(callerDomid: number): CheckedTree {
    if (!this.open) throw new Error("xenstore: transaction used after it ended");
    if (callerDomid !== this.callerDomid) {
      throw new Error(`xenstore: domain ${callerDomid} used domain ${this.callerDomid}'s transaction`);
    }
    return this.checked;
  }
}
