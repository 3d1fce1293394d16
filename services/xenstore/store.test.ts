import { describe, expect, it } from "vitest";
import { XenStoreError } from "./errors.js";
import { XENSTORE_PAYLOAD_MAX } from "./limits.js";
import { XenStore } from "./store.js";

describe("XenStore nodes", () => {
  it("starts with only the root", () => {
    const store = new XenStore();
    expect(store.nodeCount).toBe(1);
    expect(store.read("/")).toBe("");
    expect(store.directory("/")).toEqual([]);
  });

  it("reads back what it writes and overwrites in place", () => {
    const store = new XenStore();
    store.write("/local/domain/5/name", "web");
    expect(store.read("/local/domain/5/name")).toBe("web");
    store.write("/local/domain/5/name", "web2");
    expect(store.read("/local/domain/5/name")).toBe("web2");
    expect(store.read("/local/domain/5/missing")).toBeUndefined();
  });

  it("creates missing parents with empty values", () => {
    const store = new XenStore();
    store.write("/a/b/c", "v");
    expect(store.read("/a")).toBe("");
    expect(store.read("/a/b")).toBe("");
    expect(store.exists("/a/b")).toBe(true);
    expect(store.nodeCount).toBe(4);
  });

  it("lists children sorted, [] for a missing node", () => {
    const store = new XenStore();
    for (const name of ["vif", "vbd", "console", "10", "9"]) store.mkdir(`/d/${name}`);
    expect(store.directory("/d")).toEqual(["10", "9", "console", "vbd", "vif"]);
    expect(store.directory("/nope")).toEqual([]);
  });

  it("mkdir keeps an existing value", () => {
    const store = new XenStore();
    store.write("/x", "keep");
    store.mkdir("/x");
    expect(store.read("/x")).toBe("keep");
    store.mkdir("/y/z");
    expect(store.read("/y/z")).toBe("");
  });

  it("rm removes the whole subtree and is quiet about missing nodes", () => {
    const store = new XenStore();
    store.write("/a/b/c", "1");
    store.write("/a/d", "2");
    store.write("/keep", "3");
    store.rm("/a");
    expect(store.exists("/a")).toBe(false);
    expect(store.exists("/a/b/c")).toBe(false);
    expect(store.directory("/")).toEqual(["keep"]);
    expect(store.nodeCount).toBe(2);
    expect(() => store.rm("/a")).not.toThrow();
    expect(() => store.rm("/")).toThrow(/EINVAL/);
  });

  it("rejects bad paths with EINVAL and changes nothing", () => {
    const store = new XenStore();
    for (const path of ["relative", "/a//b", "/a/", "/a b", ""]) {
      expect(() => store.write(path, "v")).toThrow(XenStoreError);
      expect(() => store.read(path)).toThrow(/EINVAL: bad path/);
    }
    expect(store.nodeCount).toBe(1);
  });

  it("limits a value to XENSTORE_PAYLOAD_MAX bytes, counting UTF-8", () => {
    const store = new XenStore();
    store.write("/big", "x".repeat(XENSTORE_PAYLOAD_MAX));
    expect(store.read("/big")?.length).toBe(XENSTORE_PAYLOAD_MAX);
    expect(() => store.write("/big", "x".repeat(XENSTORE_PAYLOAD_MAX + 1))).toThrow(/E2BIG/);
    expect(() => store.write("/new/big", "é".repeat(XENSTORE_PAYLOAD_MAX / 2 + 1))).toThrow(/E2BIG/);
    expect(store.read("/big")?.length).toBe(XENSTORE_PAYLOAD_MAX);
    // At the edge of counting: 3-byte characters up to a third of the limit, then past it.
    const third = Math.floor(XENSTORE_PAYLOAD_MAX / 3);
    store.write("/euro", "€".repeat(third));
    expect(() => store.write("/euro", "€".repeat(third + 1))).toThrow(/E2BIG.*4098 bytes/);
    store.write("/emoji", "😀".repeat(XENSTORE_PAYLOAD_MAX / 4));
    expect(() => store.write("/emoji", `${"😀".repeat(XENSTORE_PAYLOAD_MAX / 4)}x`)).toThrow(/E2BIG/);
    expect(store.read("/euro")?.length).toBe(third);
    expect(store.exists("/new")).toBe(false);
  });
});

describe("XenStore counters", () => {
  it("return to the baseline once a domain's subtree and watches are gone", () => {
    const store = new XenStore();
    store.write("/local/domain/0/name", "Domain-0");
    const nodeCountBefore = store.nodeCount;
    const watchCountBefore = store.watchCount;

    store.introduceDomain(7);
    store.write("/local/domain/7/name", "guest");
    store.write("/local/domain/7/memory/target", "524288");
    store.write("/vm/00000000-0000-0000-0000-000000000007/name", "guest");
    store.watch("/local/domain/7/memory/target", "balloon", () => {}, 7);
    store.watch("/local/domain/7/control", "control", () => {}, 7);
    expect(store.nodeCount).toBeGreaterThan(nodeCountBefore);
    expect(store.watchCountOwnedBy(7)).toBe(2);

    store.rm("/local/domain/7");
    store.rm("/vm");
    store.releaseDomain(7);
    expect(store.nodeCount).toBe(nodeCountBefore);
    expect(store.watchCount).toBe(watchCountBefore);
  });

  it("counts the nodes a domain owns", () => {
    const store = new XenStore();
    store.write("/local/domain/3", "");
    store.setPerms("/local/domain/3", [{ domid: 3, perm: "n" }]);
    store.write("/local/domain/3/data/a", "1", 3);
    expect(store.nodeCountOwnedBy(3)).toBe(3);
    expect(store.nodeCountOwnedBy(0)).toBe(3);
  });
});

describe("XenStore domains", () => {
  it("introduces and releases a domain once", () => {
    const store = new XenStore();
    store.introduceDomain(4);
    expect(store.isDomainIntroduced(4)).toBe(true);
    expect(() => store.introduceDomain(4)).toThrow(/EEXIST/);
    store.releaseDomain(4);
    expect(store.isDomainIntroduced(4)).toBe(false);
    expect(() => store.releaseDomain(4)).toThrow(/ENOENT/);
    expect(() => store.releaseDomain(0)).toThrow(/EINVAL/);
    expect(() => store.introduceDomain(0x7ff0)).toThrow(/EINVAL/);
  });
});
