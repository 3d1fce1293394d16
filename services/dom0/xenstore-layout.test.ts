import { describe, expect, it } from "vitest";
import { XenStore } from "../xenstore/store.js";
import { removeDomainLayout, writeDomainLayout } from "./xenstore-layout.js";
import type { DomainConfig } from "./xlcfg/domain-config.js";

const id = { domid: 7, name: "web", uuid: "6f2b0a1c-3d4e-4f50-8a9b-0c1d2e3f4a5b" };
const config = { memoryMib: 64, maxmemMib: 128, vcpus: 1, maxvcpus: 2, type: "pv" } as DomainConfig;

describe("writeDomainLayout", () => {
  it("writes the home read-only to the guest, control/ owned by it, and the /vm entry", () => {
    const store = new XenStore();
    writeDomainLayout(store, id, config);
    const home = "/local/domain/7";
    expect(store.getPerms(home)).toEqual([
      { domid: 0, perm: "n" },
      { domid: 7, perm: "r" },
    ]);
    expect(store.getPerms(`${home}/memory/target`)).toEqual(store.getPerms(home));
    expect(store.getPerms(`${home}/control/shutdown`)).toEqual([{ domid: 7, perm: "n" }]);
    expect(store.read(`${home}/memory/static-max`)).toBe("131072");
    expect(store.directory(`${home}/cpu`)).toEqual(["0", "1"]);
    expect(store.read(`${home}/cpu/1/availability`)).toBe("offline");
    expect(store.snapshot(`/vm/${id.uuid}`)).toEqual({
      "": "",
      name: "web",
      uuid: id.uuid,
      image: "",
      "image/ostype": "linux",
    });
  });

  it("is one transaction: a watcher sees each node once, after all of it is there", () => {
    const store = new XenStore();
    const seen: string[] = [];
    store.watch("/local/domain", "t", (path) => {
      seen.push(`${path}${store.exists("/local/domain/7/control/shutdown") ? "" : " (too early)"}`);
    });
    seen.length = 0;
    writeDomainLayout(store, id, config);
    expect(seen.filter((path) => path.endsWith("(too early)"))).toEqual([]);
    expect(seen[0]).toBe("/local/domain/7");
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("is removed again, home and /vm entry", () => {
    const store = new XenStore();
    store.mkdir("/vm");
    const nodeCountBefore = store.nodeCount;
    writeDomainLayout(store, id, config);
    removeDomainLayout(store, id);
    removeDomainLayout(store, id);
    expect(store.nodeCount).toBe(nodeCountBefore + 2); // /local and /local/domain stay
  });
});
