import { isPrivileged, canRead } from "./perms.js";
import { XenStoreError } from "./errors.js";
import { watchCountPerDomainMax } from "./limits.js";
import type { NodeChange } from "./node-change.js";
import { validateNodePath } from "./path.js";
import { WatchPathIndex } from "./watch-index.js";

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

const NO_DELIVERIES: readonly WatchDelivery[] = Object.freeze([]);

interface RegisteredWatch extends Watch {
  /** Registration order: a change's events go out in it, as xenstored's watch list keeps them. */
  readonly sequence: number;
  /** ownerTokenKey's string, made once: its hash is kept with it, so a drop does not build it again. */
  readonly key: string;
}

/** The registered watches of one store, indexed by path and by owner. */
export class WatchRegistry {
  private readonly nodeWatches = new WatchPathIndex<RegisteredWatch>();
  private readonly specialWatches = new Map<SpecialWatchPath, Map<string, RegisteredWatch>>();
  private readonly watchesByOwner = new Map<number, Set<RegisteredWatch>>();
  private watchCountTotal = 0;
  private sequenceNext = 0;

  get watchCount(): number {
    return this.watchCountTotal;
  }

  add(path: string, token: string, ownerDomid: number, callback: WatchCallback): Watch {
    const special = isSpecialWatchPath(path);
    if (!special) validateNodeWatchPath(path);
    const key = ownerTokenKey(ownerDomid, token);
    if (this.find(path, key, special) !== undefined) {
      throw new XenStoreError("EEXIST", `domain ${ownerDomid} already watches ${path} with token ${token}`);
    }
    if (!isPrivileged(ownerDomid) && this.countOwnedBy(ownerDomid) >= watchCountPerDomainMax) {
      throw new XenStoreError("E2BIG", `domain ${ownerDomid} already has ${watchCountPerDomainMax} watches`);
    }
    const watch: RegisteredWatch = { path, token, ownerDomid, callback, sequence: this.sequenceNext++, key };
    if (special) {
      const watches = this.specialWatches.get(path) ?? new Map<string, RegisteredWatch>();
      this.specialWatches.set(path, watches.set(key, watch));
    } else {
      this.nodeWatches.add(key, watch);
    }
    const owned = this.watchesByOwner.get(ownerDomid) ?? new Set<RegisteredWatch>();
    this.watchesByOwner.set(ownerDomid, owned.add(watch));
    this.watchCountTotal += 1;
    return watch;
  }

  remove(path: string, token: string, ownerDomid: number): void {
    const watch = this.find(path, ownerTokenKey(ownerDomid, token), isSpecialWatchPath(path));
    if (watch === undefined) {
      throw new XenStoreError("ENOENT", `domain ${ownerDomid} has no watch on ${path} with token ${token}`);
    }
    this.drop(watch);
  }

  /**
   * `remove(watch.path, watch.token, watch.ownerDomid)` for a watch `add` returned: while it is
   * registered it is the one that call finds, so it is dropped without building and looking up its
   * key; otherwise the call is made (ENOENT, or a later watch with the same path and token).
   */
  removeWatch(watch: Watch): void {
    if (this.isRegistered(watch)) this.drop(watch as RegisteredWatch);
    else this.remove(watch.path, watch.token, watch.ownerDomid);
  }

  /** Drops every watch of a domain, as xenstored does when the domain is released. */
  removeAllOwnedBy(ownerDomid: number): number {
    const owned = [...(this.watchesByOwner.get(ownerDomid) ?? [])];
    for (const watch of owned) this.drop(watch);
    return owned.length;
  }

  isRegistered(watch: Watch): boolean {
    return this.watchesByOwner.get(watch.ownerDomid)?.has(watch as RegisteredWatch) === true;
  }

  countOwnedBy(ownerDomid: number): number {
    return this.watchesByOwner.get(ownerDomid)?.size ?? 0;
  }

  /**
   * Watches a change fires (xenstored's `fire_watches`): those at or above the changed node get its
   * path; for an rm, those below it get their own path. Only watchers allowed to see it are told.
   * The path test comes first: it is an index lookup, the permission test runs per watch.
   */
  matchChange(change: NodeChange): readonly WatchDelivery[] {
    // Most changes fire nothing (no watch on or above them): no array for those.
    let matched: Array<{ watch: RegisteredWatch; eventPath: string }> | undefined;
    this.nodeWatches.collect(change.path, change.removed, (watch, isBelow) => {
      if (!change.visibleTo.some((perms) => canRead(perms, watch.ownerDomid))) return;
      (matched ??= []).push({ watch, eventPath: isBelow ? watch.path : change.path });
    });
    if (matched === undefined) return NO_DELIVERIES;
    return matched.sort((a, b) => a.watch.sequence - b.watch.sequence);
  }

  /**
   * Whether a change at or below `path` could fire a node watch: one is on `path`, above it or
   * below it. Without one, a batch of changes under a new subtree (a layout) matches none of them.
   */
  mayMatchAtOrBelow(path: string): boolean {
    let found = false;
    this.nodeWatches.collect(path, true, () => {
      found = true;
    });
    return found;
  }

  /** Watches on a special path. Xenstored also checks perms on special nodes; here all are told. */
  matchSpecial(path: SpecialWatchPath): readonly WatchDelivery[] {
    const watches = this.specialWatches.get(path);
    if (watches === undefined || watches.size === 0) return NO_DELIVERIES; // every create and destroy asks
    return [...watches.values()].map((watch) => ({ watch, eventPath: path }));
  }

  /** `special`: isSpecialWatchPath(path), which the caller has. */
  private find(path: string, key: string, special: boolean): RegisteredWatch | undefined {
    if (special) return this.specialWatches.get(path as SpecialWatchPath)?.get(key);
    return this.nodeWatches.get(path, key);
  }

  private drop(watch: RegisteredWatch): void {
    const { key } = watch;
    const removed = isSpecialWatchPath(watch.path)
      ? this.specialWatches.get(watch.path)?.delete(key) === true
      : this.nodeWatches.remove(watch.path, key);
    const owned = this.watchesByOwner.get(watch.ownerDomid);
    if (!removed || owned?.delete(watch) !== true) throw new Error(`xenstore: watch ${key} not indexed`);
    if (owned.size === 0) this.watchesByOwner.delete(watch.ownerDomid);
    this.watchCountTotal -= 1;
  }
}

export function isSpecialWatchPath(path: string): path is SpecialWatchPath {
  return (SPECIAL_WATCH_PATHS as readonly string[]).includes(path);
}

/** Throws EINVAL unless `path`, not a special watch path, is a node path. */
function validateNodeWatchPath(path: string): void {
  if (path.startsWith("@")) {
    throw new XenStoreError(
      "EINVAL",
      `unknown special watch ${path}; known: ${SPECIAL_WATCH_PATHS.join(", ")}`,
    );
  }
  validateNodePath(path);
}

/** Unique among the watches on one path: a domid is digits, so its first ":" ends it. */
function ownerTokenKey(ownerDomid: number, token: string): string {
  return `${ownerDomid}:${token}`;
}
