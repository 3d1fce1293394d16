import type { XenStorePerms } from "./perms.js";

/**
 * The node operations a store and a transaction share. `callerDomid` is the domain asking
 * (default 0, Dom0, which may do anything); a domain without access gets XenStoreError EACCES.
 */
export interface XenStoreNodeOps {
  /** The value, or undefined if there is no such node. */
  read(path: string, callerDomid?: number): string | undefined;
  /** Sets a value, creating missing parents with empty values as xenstored does. */
  write(path: string, value: string, callerDomid?: number): void;
  /** Creates an empty node; an existing one is left as it is. */
  mkdir(path: string, callerDomid?: number): void;
  /** Removes the node and its subtree; a missing node is not an error. */
  rm(path: string, callerDomid?: number): void;
  /** Child names, sorted; [] if there is no such node. */
  directory(path: string, callerDomid?: number): string[];
  /** No permission check: an EACCES from read would tell a caller as much. */
  exists(path: string): boolean;
  getPerms(path: string, callerDomid?: number): XenStorePerms;
  /** Only the owner (or Dom0) may; only Dom0 may give the node a new owner. */
  setPerms(path: string, perms: XenStorePerms, callerDomid?: number): void;
}
