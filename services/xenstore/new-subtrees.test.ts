import { describe, expect, it } from "vitest";
import { formatPerms } from "./perms.js";
import { XenStore } from "./store.js";
import type { NewSubtreeOps } from "./new-subtrees.js";

const HOME = "/local/domain/7";
const VM = "/vm/6f2b0a1c-3d4e-4f50-8a9b-0c1d2e3f4a5b";

/** A new domain's layout as dom0/xenstore-layout.ts writes it, and more: overwrites, a mkdir over a node. */
function layout(ops: NewSubtreeOps): void {
  ops.mkdir(HOME);
  ops.setPerms(HOME, [
    { domid: 0, perm: "n" },
    { domid: 7, perm: "r" },
  ]);
  ops.write(`${HOME}/name`, "web");
  ops.write(`${HOME}/memory/target`, "65536");
  ops.write(`${HOME}/control/shutdown`, "");
  ops.write(`${HOME}/cpu/0/availability`, "online");
  ops.write(`${HOME}/name`, "web2");
  ops.mkdir(`${HOME}/cpu`);
  ops.write(`${VM}/name`, "web2");
  ops.write(`${VM}/image/ostype`, "linux");
  ops.setPerms(`${HOME}/control`, [{ domid: 7, perm: "n" }]);
  ops.setPerms(`${HOME}/control/shutdown`, [{ domid: 7, perm: "n" }]);
  // Domain 3 learns of cpu/0's change only through its parent's perms at the time.
  ops.setPerms(`${HOME}/cpu`, [{ domid: 0, perm: "r" }]);
  ops.setPerms(`${HOME}/cpu/0`, [{ domid: 0, perm: "n" }]);
  ops.setPerms(`${VM}/image`, [{ domid: 9, perm: "n" }]);
}

type WatchList = ReadonlyArray<readonly [path: string, domid: number]>;

/** A domain's and a stranger's watches on the root, and Dom0's on the home. */
const ROOT_AND_HOME_WATCHES: WatchList = [
  ["/", 7],
  ["/", 9],
  ["/", 3],
  [HOME, 0],
  [`${HOME}/control`, 0],
];

/** A store with `watches`, each logging its events, and one commit counter. */
function watchedStore(watches: WatchList): { store: XenStore; events: string[] } {
  const store = new XenStore();
  store.write("/local/domain/0/name", "Domain-0");
  store.write("/vm/0/name", "Domain-0");
  store.setPerms("/vm", [{ domid: 0, perm: "r" }]);
  const events: string[] = [];
  for (const [path, domid] of watches)
    store.watch(path, `${path}@${domid}`, (changed, token) => events.push(`${token} ${changed}`), domid);
  events.length = 0;
  store.onCommit = () => events.push("commit");
  return { store, events };
}

/** Every node with its value and perms, parents first. */
function dump(store: XenStore, path = "/"): string[] {
  const lines = [`${path} = ${JSON.stringify(store.read(path))} (${formatPerms(store.getPerms(path))})`];
  for (const name of store.directory(path))
    lines.push(...dump(store, path === "/" ? `/${name}` : `${path}/${name}`));
  return lines;
}

function outcome(run: (store: XenStore) => void, watches: WatchList) {
  const { store, events } = watchedStore(watches);
  let error = "";
  try {
    run(store);
  } catch (caught) {
    error = String(caught);
  }
  return { error, events, tree: dump(store), changeCount: store.changeCount, nodeCount: store.nodeCount };
}

/** The same operations as a transaction and as new subtrees: everything observable alike. */
function expectAlike(
  fn: (ops: NewSubtreeOps) => void,
  watches: WatchList = ROOT_AND_HOME_WATCHES,
): ReturnType<typeof outcome> {
  const reference = outcome((store) => store.transaction(fn), watches);
  const batched = outcome((store) => store.transactionOnNewSubtrees([HOME, VM], fn), watches);
  expect(batched).toEqual(reference);
  return batched;
}

describe("XenStore.transactionOnNewSubtrees", () => {
  it("makes the nodes, perms, change count and watch events the transaction makes", () => {
    const result = expectAlike(layout);
    expect(result.error).toBe("");
    expect(result.events).toContain(`/@7 ${HOME}/control/shutdown`);
    expect(result.events).not.toContain(`/@3 ${HOME}/name`);
    expect(result.events).toContain(`/@3 ${HOME}/cpu/0`);
    expect(result.tree).toContain(`${VM}/image = "" (n9)`);
  });

  it("fires what the transaction fires with watches only below a root, only elsewhere, or none", () => {
    const below = expectAlike(layout, [[`${VM}/image/ostype`, 0]]);
    expect(below.events).toEqual([`${VM}/image/ostype@0 ${VM}/image/ostype`, "commit"]);
    const elsewhere = expectAlike(layout, [
      ["/local/domain/0", 0],
      [`${HOME}0`, 0],
      ["/vmx", 0],
    ]);
    expect(elsewhere.events).toEqual(["commit"]);
    expect(elsewhere.changeCount).toBe(below.changeCount);
    expect(expectAlike(layout, []).events).toEqual(["commit"]);
    const above = expectAlike(layout, [["/vm", 0]]);
    expect(above.events).toContain(`/vm@0 ${VM}/image`);
  });

  it("refuses what the transaction refuses, with its error, and changes nothing", () => {
    const cases: Array<(ops: NewSubtreeOps) => void> = [
      (ops) => ops.write(`${HOME}/name`, "x".repeat(5000)),
      (ops) => ops.write(`${HOME}//name`, "x"),
      (ops) => ops.setPerms(`${HOME}/nothing`, [{ domid: 0, perm: "n" }]),
      (ops) => ops.setPerms(HOME, []),
      (ops) => {
        layout(ops);
        throw new Error("changed my mind");
      },
    ];
    for (const fn of cases) {
      const result = expectAlike(fn);
      expect(result.error).not.toBe("");
      expect(result.events).toEqual([]);
    }
  });

  it("is the transaction when a root is there already or a root's parent is not", () => {
    const { store } = watchedStore(ROOT_AND_HOME_WATCHES);
    store.write(`${HOME}/leftover`, "1");
    store.transactionOnNewSubtrees([HOME, VM], layout);
    expect(store.read(`${HOME}/leftover`)).toBe("1");
    expect(store.read(`${HOME}/name`)).toBe("web2");
    const empty = new XenStore();
    empty.transactionOnNewSubtrees(["/a/b"], (ops) => ops.write("/a/b/c", "1"));
    expect(empty.read("/a/b/c")).toBe("1");
  });

  it("refuses as a bug an operation outside its roots, and a store change while it is open", () => {
    const { store } = watchedStore(ROOT_AND_HOME_WATCHES);
    expect(() => store.transactionOnNewSubtrees([HOME], (ops) => ops.write(VM, "x"))).toThrow(/outside/);
    expect(() => store.transactionOnNewSubtrees([HOME], () => store.write(VM, "x"))).toThrow(/transaction/);
    expect(() => store.transactionOnNewSubtrees([HOME, `${HOME}/a`], () => undefined)).toThrow(/overlaps/);
    expect(store.exists(HOME)).toBe(false);
  });
});
