import { describe, expect, it } from "vitest";
import { XenStore } from "./store.js";

function storeWithDomain(domid: number): XenStore {
  const store = new XenStore();
  store.write(`/local/domain/${domid}/name`, "web");
  store.write(`/local/domain/${domid}/memory/target`, "524288");
  store.write(`/local/domain/${domid}/device/vif/0/state`, "4");
  store.write(`/local/domain/${domid}/device/vif/0/mac`, "00:16:3e:00:00:01");
  return store;
}

describe("XenStore snapshot/restore", () => {
  it('keys a subtree by relative path, the root as ""', () => {
    const snapshot = storeWithDomain(5).snapshot("/local/domain/5/device");
    expect(snapshot).toEqual({
      "": "",
      vif: "",
      "vif/0": "",
      "vif/0/state": "4",
      "vif/0/mac": "00:16:3e:00:00:01",
    });
  });

  it("round-trips under another domid on another store", () => {
    const source = storeWithDomain(5);
    const snapshot = source.snapshot("/local/domain/5");
    const target = new XenStore();
    target.restore("/local/domain/9", snapshot);
    expect(target.snapshot("/local/domain/9")).toEqual(snapshot);
    expect(target.read("/local/domain/9/memory/target")).toBe("524288");
    expect(target.nodeCount).toBe(source.nodeCount);
  });

  it("replaces what was there and fires watches after", () => {
    const store = storeWithDomain(5);
    const snapshot = store.snapshot("/local/domain/5");
    store.write("/local/domain/5/stale", "x");
    const events: string[] = [];
    store.watch("/local/domain/5/name", "t", (path) => events.push(path));
    store.restore("/local/domain/5", snapshot);
    expect(store.exists("/local/domain/5/stale")).toBe(false);
    expect(store.snapshot("/local/domain/5")).toEqual(snapshot);
    // Registration, then the rm of the old subtree (a watch below an rm gets its own path), then the write.
    expect(events).toEqual(["/local/domain/5/name", "/local/domain/5/name", "/local/domain/5/name"]);
  });

  it("rejects a bad snapshot and leaves the store unchanged", () => {
    const store = storeWithDomain(5);
    const before = store.snapshot("/");
    expect(() => store.restore("/local/domain/5", { "": "", "bad//key": "x" })).toThrow(/EINVAL/);
    expect(() => store.restore("/local/domain/5", { "/abs": "x", "": "" })).toThrow(/relative/);
    expect(() => store.restore("/local/domain/5", { name: "x" })).toThrow(/no entry ""/);
    expect(store.snapshot("/")).toEqual(before);
    expect(() => store.snapshot("/nope")).toThrow(/ENOENT/);
  });

  it("keeps a node named __proto__ as data", () => {
    const store = new XenStore();
    store.write("/d/__proto__", "p");
    const snapshot = store.snapshot("/d");
    expect(Object.keys(snapshot)).toContain("__proto__");
    const target = new XenStore();
    target.restore("/d", snapshot);
    expect(target.read("/d/__proto__")).toBe("p");
  });
});
