import { assert } from "../errors.js";
import { PAGE_SIZE_BYTES } from "../units.js";

/** grant_entry_v1 {u16 flags; domid_t domid; u32 frame} (xen/include/public/grant_table.h). */
export const GRANT_ENTRY_V1_BYTES = 8;
export const GRANT_ENTRY_COUNT_PER_FRAME = PAGE_SIZE_BYTES / GRANT_ENTRY_V1_BYTES;
/** gnttab_max_frames (docs/misc/xen-command-line.pandoc): a domain's default, xl.cfg max_grant_frames. */
export const GRANT_FRAME_COUNT_MAX_DEFAULT = 64;
/** The largest max_grant_frames xensim accepts (a bound on the table, not a Xen constant). */
export const GRANT_FRAME_COUNT_MAX_LIMIT = 1024;
/** GNTTAB_NR_RESERVED_ENTRIES: refs 0..7 belong to the toolstack (console, xenstore rings). */
export const GRANT_REF_RESERVED_COUNT = 8;

export type GrantRef = number;

interface GrantEntry {
  granteeDomid: number;
  frame: number;
  readonly: boolean;
  mapCount: number;
}

/** A peer handed us a grant we cannot use (GNTST_bad_gntref, GNTST_permission_denied). */
export class GrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GrantError";
  }
}

/**
 * One domain's grant table (≈ xen/common/grant_table.c, v1 entries): the pages it lets other domains
 * map. Ring pages are individual entries with refs; the data pages of requests in flight are only
 * counted (`claimEntries`), which is what limits a guest: the table's size, max_grant_frames × 512.
 */
export class GrantTable {
  private readonly entries = new Map<GrantRef, GrantEntry>();
  private readonly freeRefs: GrantRef[] = [];
  private refNext = GRANT_REF_RESERVED_COUNT;
  private claimedEntryCount = 0;
  mapCountTotal = 0;

  constructor(
    readonly domid: number,
    readonly frameCountMax = GRANT_FRAME_COUNT_MAX_DEFAULT,
  ) {
    assert(
      Number.isInteger(frameCountMax) && frameCountMax >= 1 && frameCountMax <= GRANT_FRAME_COUNT_MAX_LIMIT,
      `max_grant_frames ${frameCountMax}`,
    );
  }

  /** Entries a guest may use: the whole table less the reserved ones. */
  get entryCountMax(): number {
    return this.frameCountMax * GRANT_ENTRY_COUNT_PER_FRAME - GRANT_REF_RESERVED_COUNT;
  }

  get entryCountInUse(): number {
    return this.entries.size + this.claimedEntryCount;
  }

  get entryCountFree(): number {
    return this.entryCountMax - this.entryCountInUse;
  }

  /** gnttab_grant_foreign_access: a ref for `frame`, or undefined when the table is full (-ENOSPC). */
  grantAccess(granteeDomid: number, frame: number, readonly: boolean): GrantRef | undefined {
    if (this.entryCountFree < 1) return undefined;
    const ref = this.freeRefs.pop() ?? this.refNext++;
    this.entries.set(ref, { granteeDomid, frame, readonly, mapCount: 0 });
    return ref;
  }

  /** gnttab_end_foreign_access: false (and the entry stays) while another domain still maps it. */
  endAccess(ref: GrantRef): boolean {
    const entry = this.entries.get(ref);
    assert(entry !== undefined, `domain ${this.domid} ends access to unused grant ref ${ref}`);
    if (entry.mapCount > 0) return false;
    this.entries.delete(ref);
    this.freeRefs.push(ref);
    return true;
  }

  /** GNTTABOP_map_grant_ref by `mapperDomid`: the frame, or GrantError for a ref it may not map. */
  map(ref: GrantRef, mapperDomid: number, writable: boolean): number {
    const entry = this.entries.get(ref);
    if (entry === undefined)
      throw new GrantError(`domain ${this.domid} has no grant ref ${ref} (GNTST_bad_gntref)`);
    if (entry.granteeDomid !== mapperDomid || (writable && entry.readonly)) {
      throw new GrantError(
        `domain ${this.domid}'s grant ref ${ref} does not let domain ${mapperDomid} map it${writable ? " writable" : ""} (GNTST_permission_denied)`,
      );
    }
    entry.mapCount++;
    this.mapCountTotal++;
    return entry.frame;
  }

  unmap(ref: GrantRef): void {
    const entry = this.entries.get(ref);
    assert(
      entry !== undefined && entry.mapCount > 0,
      `grant ref ${ref} of domain ${this.domid} is not mapped`,
    );
    entry.mapCount--;
    this.mapCountTotal--;
  }

  /** Entries for the data pages of `count` requests' segments; false (nothing claimed) when they do not fit. */
  claimEntries(count: number): boolean {
    assert(Number.isInteger(count) && count >= 0, `claim of ${count} grant entries`);
    if (count > this.entryCountFree) return false;
    this.claimedEntryCount += count;
    return true;
  }

  releaseEntries(count: number): void {
    assert(Number.isInteger(count) && count >= 0 && count <= this.claimedEntryCount, `release of ${count}`);
    this.claimedEntryCount -= count;
  }
}
