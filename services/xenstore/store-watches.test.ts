import { describe, expect, it } from "vitest";
import { watchCountPerDomainMax, watchEventCountPerDrainMax } from "./limits.js";
import { XenStore } from "./store.js";

type Event = [path: string, token: string];

function recorder(): { events: Event[]; callback: (path: string, token: string) => void } {
  const events: Event[] = [];
  return { events, callback: (path, token) => events.push([path, token]) };
}

describe("XenStore watches", () => {
  it("fire once on registration with the watched path", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    store.watch("/local/domain/5", "t", callback);
    expect(events).toEqual([["/local/domain/5", "t"]]);
  });

  it("fire for writes at or below the path and not elsewhere", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    store.watch("/local/domain/5", "t", callback);
    events.length = 0;
    store.write("/local/domain/5/memory/target", "1024");
    store.write("/local/domain/5", "");
    store.write("/local/domain/50/name", "other");
    store.write("/local/domain/6/name", "other");
    expect(events).toEqual([
      ["/local/domain/5/memory/target", "t"],
      ["/local/domain/5", "t"],
    ]);
  });

  it("fire for an rm above the path with the watched path, and below it with the removed path", () => {
    const store = new XenStore();
    store.write("/local/domain/5/control/shutdown", "");
    const { events, callback } = recorder();
    store.watch("/local/domain/5/control/shutdown", "below", callback);
    store.watch("/local/domain", "above", callback);
    events.length = 0;
    store.rm("/local/domain/5/control");
    expect(events).toEqual([
      ["/local/domain/5/control/shutdown", "below"],
      ["/local/domain/5/control", "above"],
    ]);
  });

  it("stop after unwatch, and unwatch of an unknown watch is ENOENT", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    store.watch("/a", "t", callback);
    store.unwatch("/a", "t");
    store.write("/a/b", "1");
    expect(events).toEqual([["/a", "t"]]);
    expect(store.watchCount).toBe(0);
    expect(() => store.unwatch("/a", "t")).toThrow(/ENOENT/);
  });

  it("unwatchRegistration drops the watch unwatch would, and is unwatch once it is gone", () => {
    const store = new XenStore();
    store.write("/a", "");
    store.setPerms("/a", [
      { domid: 0, perm: "n" },
      { domid: 5, perm: "r" },
    ]);
    const { events, callback } = recorder();
    const first = store.watch("/a", "t", callback);
    const special = store.watch("@releaseDomain", "t", callback);
    const other = store.watch("/a", "t", callback, 5); // another owner, same path and token
    store.unwatchRegistration(first);
    store.unwatchRegistration(special);
    expect(store.watchCount).toBe(1);
    expect(store.watchCountOwnedBy(0)).toBe(0);
    events.length = 0;
    store.write("/a/b", "1");
    expect(events).toEqual([["/a/b", "t"]]); // domain 5's only
    expect(() => store.unwatchRegistration(first)).toThrow(/ENOENT.*no watch on \/a with token t/);
    // A new registration with the first's path and token is the one unwatch would drop, so is this.
    store.watch("/a", "t", callback);
    store.unwatchRegistration(first);
    expect(store.watchCountOwnedBy(0)).toBe(0);
    store.unwatchRegistration(other);
    expect(store.watchCount).toBe(0);
  });

  it("reject a duplicate (path, token) of one domain but allow another token", () => {
    const store = new XenStore();
    store.watch("/a", "t", () => {});
    expect(() => store.watch("/a", "t", () => {})).toThrow(/EEXIST/);
    store.watch("/a", "u", () => {});
    store.watch("/a", "t", () => {}, 3);
    expect(store.watchCount).toBe(3);
  });

  it("deliver writes made by callbacks after the current events, in order", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    store.watch("/", "all", callback);
    store.watch("/ping", "echo", (path) => {
      if (path === "/ping") store.write("/pong", "1");
      if (path === "/ping") store.write("/pang", "2");
    });
    events.length = 0;
    store.write("/ping", "x");
    expect(events.map(([path]) => path)).toEqual(["/ping", "/pong", "/pang"]);
  });

  it("drop events queued for a watch removed by an earlier callback", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    let armed = false;
    store.watch("/a", "first", () => {
      if (armed) store.unwatch("/a", "second");
    });
    store.watch("/a", "second", callback);
    events.length = 0;
    armed = true;
    store.write("/a", "1");
    expect(events).toEqual([]);
  });

  it("throw on a runaway watch loop and stay usable", () => {
    const store = new XenStore();
    let count = 0;
    const loop = (): void => {
      count += 1;
      store.write("/loop", String(count));
    };
    expect(() => store.watch("/loop", "t", loop)).toThrow(/runaway watch loop/);
    expect(count).toBe(watchEventCountPerDrainMax);
    store.unwatch("/loop", "t");
    const { events, callback } = recorder();
    store.watch("/other", "t", callback);
    expect(events).toEqual([["/other", "t"]]);
  });

  it("hide changes from a domain that may not read the node or its parent", () => {
    const store = new XenStore();
    store.write("/local/domain/5/secret", "x");
    store.setPerms("/local/domain/5", [{ domid: 5, perm: "n" }]);
    store.setPerms("/local/domain/5/secret", [{ domid: 5, perm: "n" }]);
    const spy = recorder();
    const owner = recorder();
    store.watch("/local/domain/5", "spy", spy.callback, 6);
    store.watch("/local/domain/5", "own", owner.callback, 5);
    store.write("/local/domain/5/secret", "y");
    expect(spy.events).toEqual([["/local/domain/5", "spy"]]);
    expect(owner.events).toEqual([
      ["/local/domain/5", "own"],
      ["/local/domain/5/secret", "own"],
    ]);
  });

  it("limit how many watches an unprivileged domain holds", () => {
    const store = new XenStore();
    for (let index = 0; index < watchCountPerDomainMax; index += 1)
      store.watch("/a", `t${index}`, () => {}, 9);
    expect(() => store.watch("/a", "one-more", () => {}, 9)).toThrow(/E2BIG/);
    expect(() => store.watch("/a", "dom0", () => {})).not.toThrow();
  });
});

describe("XenStore special watches", () => {
  it("fire @introduceDomain and @releaseDomain, and a released domain loses its watches", () => {
    const store = new XenStore();
    const { events, callback } = recorder();
    store.watch("@introduceDomain", "in", callback);
    store.watch("@releaseDomain", "out", callback);
    store.introduceDomain(3);
    store.watch("/local/domain/3", "mine", () => {}, 3);
    store.releaseDomain(3);
    expect(events).toEqual([
      ["@introduceDomain", "in"],
      ["@releaseDomain", "out"],
      ["@introduceDomain", "in"],
      ["@releaseDomain", "out"],
    ]);
    expect(store.watchCount).toBe(2);
  });

  it("reject unknown special paths and do not fire them on node changes", () => {
    const store = new XenStore();
    expect(() => store.watch("@bogus", "t", () => {})).toThrow(/EINVAL: unknown special watch/);
    const { events, callback } = recorder();
    store.watch("@releaseDomain", "t", callback);
    store.write("/a", "1");
    store.rm("/a");
    expect(events).toHaveLength(1);
  });
});
