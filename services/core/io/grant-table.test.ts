import { describe, expect, it } from "vitest";
import {
  GRANT_ENTRY_COUNT_PER_FRAME,
  GRANT_REF_RESERVED_COUNT,
  GrantError,
  GrantTable,
} from "./grant-table.js";

describe("GrantTable", () => {
  it("has 512 v1 entries per frame and 64 frames by default, less the 8 reserved refs", () => {
    expect(GRANT_ENTRY_COUNT_PER_FRAME).toBe(512);
    const table = new GrantTable(1);
    expect(table.entryCountMax).toBe(64 * 512 - 8);
    expect(table.grantAccess(0, 100, false)).toBe(GRANT_REF_RESERVED_COUNT);
    expect(table.entryCountInUse).toBe(1);
  });

  it("refuses a grant once max_grant_frames are used up, and reuses freed refs", () => {
    const table = new GrantTable(1, 1);
    expect(table.claimEntries(table.entryCountMax - 1)).toBe(true);
    const ref = table.grantAccess(0, 7, true)!;
    expect(table.entryCountFree).toBe(0);
    expect(table.grantAccess(0, 8, true)).toBeUndefined();
    expect(table.claimEntries(1)).toBe(false);
    expect(table.endAccess(ref)).toBe(true);
    expect(table.grantAccess(0, 9, true)).toBe(ref);
    table.releaseEntries(10);
    expect(table.entryCountFree).toBe(10);
  });

  it("lets only the grantee map, read-only grants stay read-only, and a mapped entry stays until unmapped", () => {
    const table = new GrantTable(3);
    const ref = table.grantAccess(0, 42, true)!;
    expect(() => table.map(ref, 5, false)).toThrow(GrantError);
    expect(() => table.map(ref, 0, true)).toThrow("GNTST_permission_denied");
    expect(() => table.map(ref + 1, 0, false)).toThrow("GNTST_bad_gntref");
    expect(table.map(ref, 0, false)).toBe(42);
    expect(table.endAccess(ref)).toBe(false);
    table.unmap(ref);
    expect(table.endAccess(ref)).toBe(true);
    expect(table.entryCountInUse).toBe(0);
  });

  it("refuses a table size outside 1..1024 frames as a bug", () => {
    expect(() => new GrantTable(1, 0)).toThrow("assertion failed");
  });
});
