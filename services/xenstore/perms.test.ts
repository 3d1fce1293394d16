import { describe, expect, it } from "vitest";
import { permEntryCountMax } from "./limits.js";
import {
  canRead,
  canWrite,
  checkedPerms,
  formatPerms,
  inheritedPerms,
  isOwner,
  ownedBy,
  parsePerms,
  type XenStorePerms,
} from "./perms.js";

describe("perms", () => {
  // A frontend dir as libxl makes it: owned by the guest (5), readable by its backend domain (7).
  const frontend: XenStorePerms = [
    { domid: 5, perm: "n" },
    { domid: 7, perm: "r" },
  ];

  it("gives the owner and Dom0 everything", () => {
    expect(canWrite(frontend, 5)).toBe(true);
    expect(canRead(frontend, 5)).toBe(true);
    expect(canWrite(frontend, 0)).toBe(true);
    expect(isOwner(frontend, 5)).toBe(true);
    expect(isOwner(frontend, 0)).toBe(true);
    expect(isOwner(frontend, 7)).toBe(false);
  });

  it("gives a listed domain its own entry and everyone else the owner's letter", () => {
    expect(canRead(frontend, 7)).toBe(true);
    expect(canWrite(frontend, 7)).toBe(false);
    expect(canRead(frontend, 9)).toBe(false);
    const openForWrite: XenStorePerms = [{ domid: 5, perm: "w" }];
    expect(canWrite(openForWrite, 9)).toBe(true);
    expect(canRead(openForWrite, 9)).toBe(false);
  });

  it("makes an unprivileged creator the owner of what it creates", () => {
    expect(inheritedPerms(frontend, 0)).toEqual(frontend);
    expect(inheritedPerms(frontend, 9)).toEqual([
      { domid: 9, perm: "n" },
      { domid: 7, perm: "r" },
    ]);
  });

  it("formats and parses the xenstore-ls form", () => {
    expect(formatPerms(frontend)).toBe("n5 r7");
    expect(parsePerms("n5 r7")).toEqual(frontend);
    expect(parsePerms("n5,r7")).toEqual(frontend);
    expect(() => parsePerms("x5")).toThrow(/EINVAL/);
    expect(() => parsePerms("")).toThrow(/1\.\.5 entries/);
  });

  it("validates and freezes a list", () => {
    const input = [{ domid: 3, perm: "b" as const }];
    const checked = checkedPerms(input, "test");
    input[0] = { domid: 4, perm: "b" };
    expect(checked).toEqual([{ domid: 3, perm: "b" }]);
    expect(Object.isFrozen(checked)).toBe(true);
    expect(() => checkedPerms([{ domid: -1, perm: "n" }], "test")).toThrow(/domid -1/);
    expect(() => checkedPerms([{ domid: 1, perm: "q" as "n" }], "test")).toThrow(/not n, r, w or b/);
    const tooMany = Array.from({ length: permEntryCountMax + 1 }, (_, domid) => ({
      domid,
      perm: "r" as const,
    }));
    expect(() => checkedPerms(tooMany, "test")).toThrow(/EINVAL/);
    expect(ownedBy(4)).toEqual([{ domid: 4, perm: "n" }]);
  });
});
