import { describe, expect, it } from "vitest";
import { XenStore } from "./store.js";
import type { XenStoreTransaction } from "./transaction.js";

function watchedStore(): { store: XenStore; events: string[] } {
  const store = new XenStore();
  store.write("/local/domain/5/name", "before");
  const events: string[] = [];
  store.watch("/local/domain/5", "t", (path) => events.push(path));
  events.length = 0;
  return { store, events };
}

describe("XenStore.transaction", () => {
  it("applies every write at commit and fires watches only then, once per node", () => {
    const { store, events } = watchedStore();
    const result = store.transaction((tx) => {
      tx.write("/local/domain/5/name", "after");
      tx.write("/local/domain/5/state", "1");
      tx.write("/local/domain/5/state", "2");
      expect(store.read("/local/domain/5/state")).toBeUndefined();
      expect(tx.read("/local/domain/5/state")).toBe("2");
      expect(events).toEqual([]);
      return 42;
    });
    expect(result).toBe(42);
    expect(store.read("/local/domain/5/name")).toBe("after");
    expect(store.read("/local/domain/5/state")).toBe("2");
    expect(events).toEqual(["/local/domain/5/name", "/local/domain/5/state"]);
  });

  it("applies nothing and fires nothing when fn throws", () => {
    const { store, events } = watchedStore();
    const nodeCountBefore = store.nodeCount;
    expect(() =>
      store.transaction((tx) => {
        tx.write("/local/domain/5/name", "after");
        tx.rm("/local/domain/5");
        tx.write("/local/domain/5/new/deep", "x");
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    expect(store.read("/local/domain/5/name")).toBe("before");
    expect(store.exists("/local/domain/5/new")).toBe(false);
    expect(store.nodeCount).toBe(nodeCountBefore);
    expect(events).toEqual([]);
  });

  it("keeps new and removed children out of the store's listings until commit", () => {
    const { store } = watchedStore();
    store.write("/vm/a/name", "a");
    expect(() =>
      store.transaction((tx) => {
        tx.write("/vm/b/name", "b");
        tx.rm("/vm/a");
        expect(tx.directory("/vm")).toEqual(["b"]);
        expect(store.directory("/vm")).toEqual(["a"]);
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(store.directory("/vm")).toEqual(["a"]);
    store.transaction((tx) => {
      tx.write("/vm/b/name", "b");
      tx.rm("/vm/a");
    });
    expect(store.directory("/vm")).toEqual(["b"]);
    expect(store.snapshot("/vm")).toEqual({ "": "", b: "", "b/name": "b" });
  });

  it("rolls back when an op inside is denied", () => {
    const { store, events } = watchedStore();
    store.setPerms("/local/domain/5", [{ domid: 5, perm: "n" }]);
    events.length = 0;
    expect(() =>
      store.transaction((tx) => {
        tx.write("/local/domain/5/ok", "1");
        tx.write("/local/domain/6/not-mine", "1");
      }, 5),
    ).toThrow(/EACCES/);
    expect(store.exists("/local/domain/5/ok")).toBe(false);
    expect(events).toEqual([]);
  });

  it("acts as its caller domain", () => {
    const store = new XenStore();
    store.write("/local/domain/5", "");
    store.setPerms("/local/domain/5", [{ domid: 5, perm: "n" }]);
    store.transaction((tx) => tx.write("/local/domain/5/data", "x"), 5);
    expect(store.getPerms("/local/domain/5/data")).toEqual([{ domid: 5, perm: "n" }]);
    expect(() => store.transaction((tx) => tx.read("/local/domain/5/data", 0), 5)).toThrow(/transaction/);
  });

  it("forbids direct changes, nesting, async fns and use after the end", () => {
    const store = new XenStore();
    expect(() => store.transaction(() => store.write("/a", "1"))).toThrow(/transaction is open/);
    expect(() => store.transaction(() => store.transaction(() => 0))).toThrow(/transaction is open/);
    const asyncFn = (tx: XenStoreTransaction): Promise<void> => {
      tx.write("/b", "1");
      return Promise.resolve();
    };
    expect(() => store.transaction(asyncFn)).toThrow(/async/);
    let leaked: XenStoreTransaction | undefined;
    store.transaction((tx) => {
      leaked = tx;
    });
    expect(() => leaked?.write("/c", "1")).toThrow(/after it ended/);
    expect(store.exists("/a") || store.exists("/b") || store.exists("/c")).toBe(false);
  });

  it("may run from inside a watch callback", () => {
    const store = new XenStore();
    const events: string[] = [];
    store.watch("/front/state", "fe", (path) => {
      events.push(path);
      if (store.read("/front/state") === "2") {
        store.transaction((tx) => {
          tx.write("/front/ring-ref", "8");
          tx.write("/front/state", "3");
        });
      }
    });
    store.write("/front/state", "2");
    expect(store.read("/front/state")).toBe("3");
    expect(events).toEqual(["/front/state", "/front/state", "/front/state"]);
  });
});
