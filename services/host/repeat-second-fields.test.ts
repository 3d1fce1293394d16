import { describe, expect, it } from "vitest";
import { SimCluster } from "../sim/cluster.js";
import { Host } from "./host.js";

describe("Host.repeatSecond (an idle host's shared second)", () => {
  it("reads only the fields declared first in its host, side by side at the object's start, and writes only the sequence", async () => {
    const cluster = await SimCluster.start({ seed: 1, hosts: [{ hostId: "h1", memoryMib: 2048 }] });
    await cluster.idle(5_000);
    const host = cluster.host("h1").host;
    expect(host).toBeInstanceOf(Host);
    const fields = Object.keys(host);
    const read = new Set<string>();
    const written = new Set<string>();
    const watched = new Proxy(host, {
      get(target, key, receiver) {
        if (typeof key === "string" && Object.hasOwn(target, key)) read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
      set(target, key, value) {
        if (typeof key === "string") {
          read.add(key);
          written.add(key);
        }
        return Reflect.set(target, key, value);
      },
    });
    const nowMs = cluster.clock.nowMs();
    expect(Host.prototype.repeatSecond.call(watched, nowMs)).toBe(true);
    // The sequence, a small integer, is all it writes: the repeat, a new object, is not kept in the
    // old host (a write barrier's remembered-set insertion per host-second).
    expect([...written]).toEqual(["heartbeatSequence"]);
    // The parameter property `options` is always first; what the second reads comes right after it.
    expect(fields[0]).toBe("options");
    const firstFields = fields.slice(1, 1 + read.size);
    expect([...read].sort()).toEqual([...firstFields].sort());
  });
});
