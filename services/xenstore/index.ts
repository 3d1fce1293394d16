export { XenStore } from "./store.js";
export { XenStoreTransaction } from "./transaction.js";
export type { XenStoreNodeOps } from "./node-ops.js";
export { XenStoreError, type XenStoreErrorCode } from "./errors.js";
export type { XenStoreSnapshot } from "./snapshot.js";
export type { WatchCallback, SpecialWatchPath } from "./watches.js";
export {
  ownedBy,
  formatPerms,
  parsePerms,
  type XenStoreAccess,
  type XenStorePerm,
  type XenStorePerms,
} from "./perms.js";
export * from "./limits.js";
export * from "./paths.js";
