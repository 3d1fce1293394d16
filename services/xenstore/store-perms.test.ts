import { describe, expect, it } from "vitest";
import { XenStore } from "./store.js";

/**
 * Domain 5's home, owned by it and closed to others ("n5"). setPerms is not recursive (nor is
 * xenstored's), so nodes written before it keep Dom0's "n0": the home is made first.
 */
function storeWithGuest(): XenStore {
  const store = new XenStore();
  store.mkdir("/local/domain/5");
  store.setPerms("/local/domain/5", [{ domid: 5, perm: "n" }]);
  store.write("/local/domain/5/name", "guest");
  store.write("/local/domain/5/control/shutdown", "");
  store.write("/local/domain/6/name", "other");
  return store;
}

describe("XenStore permissions", () => {
  it("lets a guest read and write in its own home", () => {
    const store = storeWithGuest();
    store.write("/local/domain/5/control/shutdown", "", 5);
    store.write("/local/domain/5/data/app", "ready", 5);
    expect(store.read("/local/domain/5/data/app", 5)).toBe("ready");
    expect(store.directory("/local/domain/5", 5)).toEqual(["control", "data", "name"]);
    store.rm("/local/domain/5/data", 5);
    expect(store.exists("/local/domain/5/data")).toBe(false);
  });

  it("denies a guest outside its home with EACCES and changes nothing", () => {
    const store = storeWithGuest();
    const nodeCountBefore = store.nodeCount;
    expect(() => store.write("/local/domain/6/name", "pwned", 5)).toThrow(/^EACCES: domain 5 may not write/);
    expect(() => store.write("/local/domain/6/new/node", "x", 5)).toThrow(/EACCES: domain 5 may not create/);
    expect(() => store.write("/tool/x", "x", 5)).toThrow(/EACCES/);
    expect(() => store.rm("/local/domain/6", 5)).toThrow(/EACCES/);
    expect(() => store.read("/local/domain/6/name", 5)).toThrow(/EACCES/);
    expect(() => store.directory("/local/domain", 5)).toThrow(/EACCES/);
    expect(store.read("/local/domain/6/name")).toBe("other");
    expect(store.nodeCount).toBe(nodeCountBefore);
  });

  it("hides a guest's home from other guests", () => {
    const store = storeWithGuest();
    expect(() => store.read("/local/domain/5/name", 6)).toThrow(/EACCES/);
    expect(() => store.write("/local/domain/5/control/shutdown", "poweroff", 6)).toThrow(/EACCES/);
  });

  it("gives new nodes their parent's perms, owned by an unprivileged creator", () => {
    const store = storeWithGuest();
    store.setPerms("/local/domain/5", [
      { domid: 5, perm: "n" },
      { domid: 7, perm: "r" },
    ]);
    store.write("/local/domain/5/device/vif/0/state", "1", 5);
    store.write("/local/domain/5/by-dom0", "1");
    const inherited = [
      { domid: 5, perm: "n" },
      { domid: 7, perm: "r" },
    ];
    expect(store.getPerms("/local/domain/5/device/vif/0/state")).toEqual(inherited);
    expect(store.getPerms("/local/domain/5/device")).toEqual(inherited);
    expect(store.getPerms("/local/domain/5/by-dom0")).toEqual(inherited);
    expect(store.read("/local/domain/5/device/vif/0/state", 7)).toBe("1");
  });

  it("does not pass a perms change down to existing children", () => {
    const store = new XenStore();
    store.write("/local/domain/5/memory/target", "1024");
    store.setPerms("/local/domain/5", [{ domid: 5, perm: "n" }]);
    expect(() => store.read("/local/domain/5/memory/target", 5)).toThrow(/EACCES/);
  });

  it("lets only the owner change perms, and only Dom0 change the owner", () => {
    const store = storeWithGuest();
    store.setPerms("/local/domain/5/name", [{ domid: 5, perm: "r" }], 5);
    expect(store.read("/local/domain/5/name", 6)).toBe("guest");
    expect(() => store.setPerms("/local/domain/5/name", [{ domid: 6, perm: "n" }], 5)).toThrow(/EPERM/);
    expect(() => store.setPerms("/local/domain/6/name", [{ domid: 6, perm: "b" }], 5)).toThrow(/EACCES/);
    expect(() => store.setPerms("/missing", [{ domid: 0, perm: "n" }])).toThrow(/ENOENT/);
    expect(() => store.setPerms("/local", [])).toThrow(/EINVAL/);
    expect(store.getPerms("/local/domain/5/name")).toEqual([{ domid: 5, perm: "r" }]);
  });

  it("fires a watch on a perms change", () => {
    const store = storeWithGuest();
    const events: string[] = [];
    store.watch("/local/domain/5/name", "t", (path) => events.push(path));
    store.setPerms("/local/domain/5/name", [{ domid: 5, perm: "r" }]);
    expect(events).toEqual(["/local/domain/5/name", "/local/domain/5/name"]);
  });
});
