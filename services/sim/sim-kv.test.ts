import { describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { runSimulation } from "../core/simulation.js";
import { BROKER_ID, NO_FAULTS, SimNetwork } from "./network.js";
import { KV_TIMEOUT_MS, SimKv } from "./sim-kv.js";
import { StoreUnavailableError } from "../contracts/state-store.js";

function rig() {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(1));
  network.addProcess("a");
  const kv = new SimKv(network);
  return { clock, network, kv, client: kv.connect("a") };
}

describe("SimKv", () => {
  it("keeps values with revisions and refuses a compare-and-set on a stale revision", async () => {
    const r = rig();
    await runSimulation(r.clock, r.client.put("ha.x", "1"));
    const entry = await runSimulation(r.clock, r.client.entry("ha.x"));
    expect(entry?.value).toBe("1");
    const next = await runSimulation(r.clock, r.client.compareAndSet("ha.x", "2", entry!.revision));
    expect(next).toBeGreaterThan(entry!.revision);
    await expect(
      runSimulation(r.clock, r.client.compareAndSet("ha.x", "3", entry!.revision)),
    ).rejects.toThrow(/wrong last sequence/);
    await expect(runSimulation(r.clock, r.client.compareAndSet("ha.y", "1", 0))).resolves.toBeGreaterThan(0);
    expect(await runSimulation(r.clock, r.client.keys("ha."))).toEqual(["ha.x", "ha.y"]);
    expect(r.kv.peek("ha.x")?.value).toBe("2");
  });

  it("is unavailable while the broker is down and keeps its contents across the outage", async () => {
    const r = rig();
    await runSimulation(r.clock, r.client.put("k.a", "v"));
    r.network.process(BROKER_ID).crash();
    const startMs = r.clock.nowMs();
    // The real store's words (transport/kv/nats-kv-store.ts: nats.js's request TIMEOUT), not the network's.
    const refusal = runSimulation(r.clock, r.client.get("k.a"));
    await expect(refusal).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refusal).rejects.toThrow("the cluster's state store cannot be reached (get: TIMEOUT)");
    expect(r.clock.nowMs() - startMs).toBeLessThanOrEqual(KV_TIMEOUT_MS);
    r.network.process(BROKER_ID).restart();
    expect(await runSimulation(r.clock, r.client.get("k.a"))).toBe("v");
  });

  it("a call whose client is cut off after it left fails by its deadline", async () => {
    const r = rig();
    r.network.faults = { dropRate: 0, duplicateRate: 0, delayMsMin: 50, delayMsMax: 50, reorder: false };
    const pending = r.client.get("k.a");
    r.clock.advanceMs(10);
    r.network.partition(["a"]);
    await expect(runSimulation(r.clock, pending)).rejects.toThrow(
      "the cluster's state store cannot be reached (get: TIMEOUT)",
    );
  });

  it("a statefile's watch keeps its continuity while every push reaches it, and moves it when one may be lost or its connection broke", () => {
    const r = rig();
    r.network.addProcess("b");
    const statefile = r.kv.statefile("a");
    expect(statefile.watchContinuity("cluster.ha"), "not watched").toBeUndefined();
    const pushed: Array<string | undefined> = [];
    const unwatch = statefile.watch("cluster.ha", (entry) => pushed.push(entry?.value));
    const continuity = () => statefile.watchContinuity("cluster.ha");
    const start = continuity();
    r.kv.put("cluster.ha", "1");
    r.network.partition(["b"], [BROKER_ID]);
    r.network.heal();
    expect([pushed, continuity()], "pushed; a partition that did not cut it").toEqual([["1"], start]);
    r.network.partition(["a"], [BROKER_ID]);
    r.network.heal();
    const afterCut = continuity();
    expect(afterCut, "cut from the broker").not.toBe(start);
    r.network.faults = { ...r.network.faults, dropRate: 1 };
    r.kv.put("cluster.ha", "2");
    r.network.faults = NO_FAULTS;
    const afterDrop = continuity();
    expect([pushed, afterDrop !== afterCut], "a push dropped").toEqual([["1"], true]);
    r.network.process(BROKER_ID).crash();
    r.network.process(BROKER_ID).restart();
    expect(continuity(), "the broker restarted").not.toBe(afterDrop);
    unwatch();
    expect(continuity(), "unwatched").toBeUndefined();
  });
  it("lists a prefix's keys as they are now, after keys came and went, and hands out copies", async () => {
    const r = rig();
    const statefile = r.kv.statefile("a");
    await runSimulation(r.clock, r.client.put("lease.b", "1"));
    await runSimulation(r.clock, r.client.put("lease.a", "1"));
    expect(r.kv.keysNow("lease.")).toEqual(["lease.a", "lease.b"]);
    r.kv.keysNow("lease.").push("lease.z");
    await runSimulation(r.clock, r.client.put("lease.a", "2"));
    await runSimulation(r.clock, r.client.put("lease.c", "1"));
    await runSimulation(r.clock, r.client.delete("lease.b"));
    expect(r.kv.keysNow("lease.")).toEqual(["lease.a", "lease.c"]);
    const read = await runSimulation(r.clock, statefile.readAll("lease."));
    expect([...read].map(([key, entry]) => [key, entry.value])).toEqual([
      ["lease.a", "2"],
      ["lease.c", "1"],
    ]);
    await runSimulation(r.clock, r.client.put("lease.c", "2"));
    expect(read.get("lease.c")?.value, "a read is what the bucket held then").toBe("1");
  });

  it("reads a prefix as the bucket holds it at each read, without a lookup per key when only values changed", () => {
    const r = rig();
    const keys = Array.from({ length: 50 }, (_, index) => `lease.h${index}`).sort();
    for (const key of keys) r.kv.put(key, "0");
    r.kv.put("other", "0");
    const values = (read: ReadonlyMap<string, { value: string }>) =>
      [...read].map(([k, e]) => `${k}=${e.value}`);
    const first = r.kv.entriesNow("lease.");
    const wide = r.kv.entriesNow("le");
    r.kv.put("lease.h3", "1");
    r.kv.put("lease.h3", "2");
    r.kv.put("lease.h7", "1");
    r.kv.put("other", "1");
    r.kv.put("name.new", "1"); // a key added under another prefix
    r.kv.delete("other");
    const get = vi.spyOn(Map.prototype, "get");
    const second = r.kv.entriesNow("lease.");
    const lookupCount = get.mock.calls.length;
    get.mockRestore();
    expect(lookupCount, "no lookup of the keys that were not written, keys elsewhere added and deleted").toBe(
      0,
    );
    const expected = keys.map((k) => `${k}=${k === "lease.h3" ? 2 : k === "lease.h7" ? 1 : 0}`);
    expect(values(second)).toEqual(expected);
    expect(values(r.kv.entriesNow("le"))).toEqual(expected);
    expect(values(first), "a read keeps what the bucket held then").toEqual(keys.map((k) => `${k}=0`));
    expect(values(wide)).toEqual(keys.map((k) => `${k}=0`));
    expect(second.get("lease.h3")).toBe(r.kv.peek("lease.h3"));
    r.kv.put("lease.h9", "1");
    expect(values(second), "nor does a read taken after writes").toEqual(expected);
    r.kv.delete("lease.h0");
    r.kv.put("lease.h50", "1");
    expect(r.kv.entriesNow("lease.").get("lease.h50")?.value).toBe("1");
    expect(r.kv.entriesNow("lease.").has("lease.h0")).toBe(false);
  });
});
