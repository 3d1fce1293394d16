import { DOMID_DOM0 } from "../core/units.js";
import { validateDomid } from "./domid.js";
import { XenStoreError } from "./errors.js";
import { permEntryCountMax } from "./limits.js";

/** Access letters of a permission entry: none, read, write, both (docs/misc/xenstore.txt). */
export type XenStoreAccess = "n" | "r" | "w" | "b";

export interface XenStorePerm {
  readonly domid: number;
  readonly perm: XenStoreAccess;
}

/**
 * A node's permission list, as in xenstored: entry 0 names the owner, and its letter is what
 * every domain not listed gets; later entries grant a specific domain its own access.
 */
export type XenStorePerms = readonly XenStorePerm[];

const accessLetters: readonly string[] = ["n", "r", "w", "b"];

/** Dom0 (the toolstack) is privileged: it may do anything (`domain_is_unprivileged`). */
export function isPrivileged(domid: number): boolean {
  return domid === DOMID_DOM0;
}

/** The list a node gets when `domid` owns it and others have `othersAccess` ("n" by default). */
export function ownedBy(domid: number, othersAccess: XenStoreAccess = "n"): XenStorePerms {
  return Object.freeze([Object.freeze({ domid, perm: othersAccess })]);
}

/** Throws EINVAL unless `perms` is a usable list; returns a frozen copy the caller cannot change. */
export function checkedPerms(perms: XenStorePerms, where: string): XenStorePerms {
  if (perms.length === 0 || perms.length > permEntryCountMax) {
    throw new XenStoreError("EINVAL", `${where}: a permission list has 1..${permEntryCountMax} entries`);
  }
  for (const perm of perms) {
    validateDomid(perm.domid, where);
    if (!accessLetters.includes(perm.perm)) {
      throw new XenStoreError("EINVAL", `${where}: perm ${JSON.stringify(perm.perm)} is not n, r, w or b`);
    }
  }
  return Object.freeze(perms.map((perm) => Object.freeze({ domid: perm.domid, perm: perm.perm })));
}

/** The access `domid` has to a node with `perms` (xenstored's `perm_for_conn`). */
function accessFor(perms: XenStorePerms, domid: number): XenStoreAccess {
  const owner = perms[0];
  if (owner === undefined) throw new Error("xenstore: a node without a permission list");
  if (isPrivileged(domid) || owner.domid === domid) return "b";
  for (let index = 1; index < perms.length; index++) {
    const perm = perms[index] as XenStorePerm;
    if (perm.domid === domid) return perm.perm;
  }
  return owner.perm;
}

export function canRead(perms: XenStorePerms, domid: number): boolean {
  const access = accessFor(perms, domid);
  return access === "r" || access === "b";
}

export function canWrite(perms: XenStorePerms, domid: number): boolean {
  const access = accessFor(perms, domid);
  return access === "w" || access === "b";
}

/** Owners (and Dom0) may change a node's permissions. */
export function isOwner(perms: XenStorePerms, domid: number): boolean {
  return isPrivileged(domid) || perms[0]?.domid === domid;
}

/** A new node inherits its parent's list; an unprivileged creator becomes its owner (xenstored). */
export function inheritedPerms(parentPerms: XenStorePerms, creatorDomid: number): XenStorePerms {
  const owner = parentPerms[0];
  if (owner === undefined) throw new Error("xenstore: a node without a permission list");
  if (isPrivileged(creatorDomid)) return parentPerms;
  return Object.freeze([Object.freeze({ domid: creatorDomid, perm: owner.perm }), ...parentPerms.slice(1)]);
}

/** `n0 r5`: the letter-then-domid form xenstore-ls and xenstore-chmod use. */
export function formatPerms(perms: XenStorePerms): string {
  return perms.map((perm) => `${perm.perm}${perm.domid}`).join(" ");
}

/** Parses `formatPerms` output (entries separated by spaces or commas). */
export function parsePerms(text: string): XenStorePerms {
  const words = text.split(/[\s,]+/).filter((word) => word.length > 0);
  const perms = words.map((word): XenStorePerm => {
    const match = /^([nrwb])(\d+)$/.exec(word);
    if (match === null || match[1] === undefined || match[2] === undefined) {
      throw new XenStoreError("EINVAL", `permission ${JSON.stringify(word)} is not <n|r|w|b><domid>`);
    }
    return { perm: match[1] as XenStoreAccess, domid: Number(match[2]) };
  });
  return checkedPerms(perms, `permissions ${JSON.stringify(text)}`);
}
