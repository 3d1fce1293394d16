import { isPrivileged, canRead } from "./perms.js";
import { XenStoreError } from "./errors.js";
import { watchCountPerDomainMax } from "./limits.js";
import type { NodeChange } from "./node-change.js";
import { isAtOrBelow, validateNodePath } from "./path.js";

export type WatchCallback = (changedPath: string, token: string) => void;

/** Watches not on a node but on events xenstored raises itself (docs/misc/xenstore.txt). */
export const SPECIAL_WATCH_PATHS = ["@introduceDomain", "@releaseDomain"] as const;
export type SpecialWatchPath = (typeof SPECIAL_WATCH_PATHS)[number];

export interface Watch {
  readonly path: string;
  readonly token: string;
  readonly ownerDomid: number;
  readonly callback: WatchCallback;
}

/** One event due to one watch: the callback gets `eventPath` and the watch's token. */
export interface WatchDelivery {
  readonly watch: Watch;
  readonly eventPath: string;
}

/** The registered watches of one store, in registration order (the order events are delivered). */
export class WatchRegistry {
  private readonly watches = new Map<string, Watch>();

  get watchCount(): number {
    return this.watches.size;
  }

  add(path: string, token: string, ownerDomid: number, callback: WatchCallback): Watch {
    validateWatchPath(path);
    const key = watchKey(path, token, ownerDomid);
    if (this.watches.has(key)) {
      throw new XenStoreError("EEXIST", `domain ${ownerDomid} already watches ${path} with token ${token}`);
    }
    if (!isPrivileged(ownerDomid) && this.countOwnedBy(ownerDomid) >= watchCountPerDomainMax) {
      throw new XenStoreError("E2BIG", `domain ${ownerDomid} already has ${watchCountPerDomainMax} watches`);
    }
    const watch: Watch = { path, token, ownerDomid, callback };
    this.watches.set(key, watch);
    return watch;
  }

  remove(path: string, token: string, ownerDomid: number): void {
    if (!this.watches.delete(watchKey(path, token, ownerDomid))) {
      throw new XenStoreError("ENOENT", `domain ${ownerDomid} has no watch on ${path} with token ${token}`);
    }
  }

  /** Drops every watch of a domain, as xenstored does when the domain is released. */
  removeAllOwnedBy(ownerDomid: number): number {
    let removedCount = 0;
    for (const [key, watch] of this.watches) {
      if (watch.ownerDomid !== ownerDomid) continue;
      this.watches.delete(key);
      removedCount += 1;
    }
    return removedCount;
  }

  isRegistered(watch: Watch): boolean {
    return this.watches.get(watchKey(watch.path, watch.token, watch.ownerDomid)) === watch;
  }

  countOwnedBy(ownerDomid: number): number {
    let count = 0;
    for (const watch of this.watches.values()) if (watch.ownerDomid === ownerDomid) count += 1;
    return count;
  }

  /**
   * Watches a change fires (xenstored's `fire_watches`): those at or above the changed node get its
   * path; for an rm, those below it get their own path. Only watchers allowed to see it are told.
   */
  matchChange(change: NodeChange): WatchDelivery[] {
    const deliveries: WatchDelivery[] = [];
    for (const watch of this.watches.values()) {
      if (isSpecialWatchPath(watch.path)) continue;
      if (!change.visibleTo.some((perms) => canRead(perms, watch.ownerDomid))) continue;
      if (isAtOrBelow(change.path, watch.path)) {
        deliveries.push({ watch, eventPath: change.path });
      } else if (change.removed && isAtOrBelow(watch.path, change.path)) {
        deliveries.push({ watch, eventPath: watch.path });
      }
    }
    return deliveries;
  }

  /** Watches on a special path. Xenstored also checks perms on special nodes; here all are told. */
  matchSpecial(path: SpecialWatchPath): WatchDelivery[] {
    const deliveries: WatchDelivery[] = [];
    for (const watch of this.watches.values()) {
      if (watch.path === path) deliveries.push({ watch, eventPath: path });
    }
    return deliveries;
  }
}

export function isSpecialWatchPath(path: string): path is SpecialWatchPath {
  return (SPECIAL_WATCH_PATHS as readonly string[]).includes(path);
}

function validateWatchPath(path: string): void {
  if (isSpecialWatchPath(path)) return;
  if (path.startsWith("@")) {
    throw new XenStoreError(
      "EINVAL",
      `unknown special watch ${path}; known: ${SPECIAL_WATCH_PATHS.join(", ")}`,
    );
  }
  validateNodePath(path);
}

function watchKey(path: string, token: string, ownerDomid: number): string {
  return JSON.stringify([ownerDomid, path, token]);
}
