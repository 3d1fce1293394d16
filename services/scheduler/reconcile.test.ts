import { describe, expect, it } from "vitest";
import { startSimRig, type SimRig } from "./sim-rig.js";
import { startBackground } from "./background.js";
import { RECONCILE_INTERVAL_MS } from "./reconcile.js";
import { MemoryStore } from "../contracts/state-store.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import type { HaRecord } from "./ha-records.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 4096 },
  { hostId: "h2", memoryMib: 4096 },
];

function record(name: string, hostId: string, domid = 7): HaRecord {
  const configJson = JSON.stringify({
    name,
    type: "pv",
    memoryMib: 64,
    maxmemMib: 64,
    vcpus: 1,
    maxvcpus: 1,
    cpuWeight: 256,
    cap: 0,
    xsim: { ha: "restart" },
  });
  return { uuid: `uuid-${name}`, name, hostId, domid, priority: "restart", configJson };
}

async function rigWithBackground(store = new MemoryStore()): Promise<SimRig> {
  const rig = await startSimRig(HOSTS, { store });
  const stop = startBackground(rig.scheduler);
  return {
    ...rig,
    stop: async () => {
      stop();
      await rig.stop();
    },
  };
}

describe("the scheduler's reconcile", () => {
  it("drops an HA record whose guest a live host no longer runs: a later death of that host brings nothing back", async () => {
    const store = new MemoryStore();
    await store.put("ha.uuid-gone", JSON.stringify(record("gone", "h1")));
    const rig = await rigWithBackground(store);
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(await store.get("ha.uuid-gone")).toBeUndefined();
    expect(rig.log.join("\n")).toMatch(/dropped the HA record of gone/);
    rig.cluster.host("h1").alive = false;
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(rig.cluster.createCalls).toEqual([]);
    await rig.stop();
  });

  it("moves a record to where its guest runs, frees names nobody holds, names what runs unnamed", async () => {
    const store = new MemoryStore();
    const names = new ClusterNames(store);
    const rig = await rigWithBackground(store);
    const web = rig.cluster.addGuest("h2", { name: "web", memoryMib: 64, ha: "restart" });
    await store.put(`ha.${web.uuid}`, JSON.stringify({ ...record("web", "h1"), uuid: web.uuid }));
    await names.reserve("stale", { uuid: "uuid-stale", hostId: "h1" });
    await names.reserve("elsewhere", { uuid: "uuid-x", hostId: "h7" });
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(JSON.parse((await store.get(`ha.${web.uuid}`)) ?? "{}")).toMatchObject({ hostId: "h2" });
    const all = await names.all();
    expect(all.get("web")).toEqual({ uuid: web.uuid, hostId: "h2" });
    expect(all.has("stale")).toBe(false);
    expect(all.get("elsewhere"), "a host not seen may still run it: kept").toEqual({
      uuid: "uuid-x",
      hostId: "h7",
    });
    await rig.stop();
  });

  it("survives a store outage of any length: every task logs and retries, nothing throws", async () => {
    const store = new MemoryStore();
    const rig = await rigWithBackground(store);
    rig.cluster.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(await store.get("ha.uuid-db")).toBeDefined();
    store.unavailable = true;
    rig.cluster.host("h1").alive = false;
    await rig.idle(6 * RECONCILE_INTERVAL_MS);
    expect(rig.log.join("\n")).toMatch(/failed: the cluster's state store cannot be reached/);
    store.unavailable = false;
    await rig.idle(2 * RECONCILE_INTERVAL_MS);
    expect(rig.log.join("\n")).not.toMatch(/unhandled/);
    expect(await store.get("ha.uuid-db"), "kept: h1 was not read, its lease decides").toBeDefined();
    await rig.stop();
  });
});
