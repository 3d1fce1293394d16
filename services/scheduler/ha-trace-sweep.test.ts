import { describe, expect, it } from "vitest";
import { SchedulerRig, guestDomainInfo, rigUuid } from "../sim/scheduler-rig.js";
import { clusterMigrate } from "./operations.js";
import { reconcile } from "./reconcile.js";
import { HaRecords } from "./ha-records.js";
import { NothingChangedError } from "../dom0/errors.js";
import { MemoryStore, StoreUnavailableError, type StateStore } from "../contracts/state-store.js";
import type { HaRecord } from "../contracts/ha-record.js";

/**
 * A scheduler's migration of a protected guest refused by its source (nothing changed) just as the
 * store became unreachable: the scheduler cannot clear the trace (`migratingTo`) it wrote before
 * the call. Before, that one failed write ("HA record of uuid-db: the cluster's state store cannot
 * be reached") left the record naming h2 for good; now the next reconcile that finds db on h1,
 * nothing of it in flight and h2 listed clears it (ha-trace-sweep.ts).
 */
const HOSTS = ["h1", "h2", "h3"].map((hostId) => ({ hostId, memoryMib: 2048 }));
const DB = { name: "db", memoryMib: 128, ha: "restart" as const };

/** The store as the scheduler reaches it, failing every call while `down.now`. */
function cutAtWill(store: StateStore): { now: boolean } {
  const down = { now: false };
  for (const operation of ["entry", "update", "create"] as const) {
    const call = store[operation].bind(store) as (...args: unknown[]) => Promise<unknown>;
    const cut = (...args: unknown[]) =>
      down.now ? Promise.reject(new StoreUnavailableError(operation, new Error("TIMEOUT"))) : call(...args);
    Object.assign(store, { [operation]: cut });
  }
  return down;
}

async function record(rig: SchedulerRig): Promise<HaRecord | undefined> {
  const text = await rig.store.get(`ha.${rigUuid("db")}`);
  return text === undefined ? undefined : (JSON.parse(text) as HaRecord);
}

describe("a trace the scheduler could not clear", () => {
  it("is cleared by the next reconcile once the store answers and db is seen on h1 alone", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    rig.addGuest("h1", DB);
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const down = cutAtWill(rig.scheduler.options.store);
    rig.calls.onMigrateStart = () => {
      down.now = true;
      throw new NothingChangedError(
        "UNAVAILABLE",
        "db: refused by the source; nothing was changed, try again",
      );
    };
    const request = { domain: "db", destinationHostId: "h2", policy: "xen", live: true, bandwidth: "" };
    await expect(rig.run(clusterMigrate(rig.scheduler, request, () => undefined))).rejects.toThrow(/refused/);
    expect((await record(rig))?.migratingTo, "left by the failed clear").toBe("h2");
    expect(rig.log.join("\n")).toMatch(/HA record of \S+: the cluster's state store cannot be reached/);

    down.now = false;
    await rig.run(reconcile(rig.scheduler));
    expect(await record(rig)).toMatchObject({ hostId: "h1", name: "db" });
    expect((await record(rig))?.migratingTo).toBeUndefined();
    expect(rig.log.at(-1)).toMatch(
      /^reconcile: cleared the HA record's trace of a migration of \S+ to h2 that did not happen: it runs on h1$/,
    );
    expect(rig.scheduler.ha.unended.size).toBe(0);
    await rig.stop();
  });
});

describe("HaRecords.beginMigration over a trace it could not clear", () => {
  it("writes its trace over it, so that a clear of that one on its way never takes this one away", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    const db = guestDomainInfo(1, DB);
    await records.noteHost("h1", [db]);
    await records.beginMigration(db, "h1", "h2");
    store.unavailable = true;
    await expect(records.endMigration(db.uuid, "h2")).rejects.toThrow(/cannot be reached/);
    store.unavailable = false;
    const still = () => records.unended.get(db.uuid) === "h2";
    // The sweep's clear and a new migration to the same host, begun in the same instant.
    const clearing = records.clearTrace(db.uuid, "h2", "h1", still);
    const beginning = records.beginMigration(db, "h1", "h2");
    expect(await clearing).toBe(false);
    expect(await beginning).toBeUndefined();
    expect((await records.get(db.uuid))?.migratingTo).toBe("h2");
  });

  it("a clear whose write is on its way when the migration begins loses to it (a revision that moves)", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    const db = guestDomainInfo(1, DB);
    await records.noteHost("h1", [db]);
    await records.beginMigration(db, "h1", "h2");
    store.unavailable = true;
    await expect(records.endMigration(db.uuid, "h2")).rejects.toThrow(/cannot be reached/);
    store.unavailable = false;
    // The clear's compare-and-set is held on its way to the store until the migration has begun.
    const update = store.update.bind(store);
    let held: (() => void) | undefined;
    store.update = (key, value, revision) =>
      new Promise((resolve, reject) => {
        const apply = () => void update(key, value, revision).then(resolve, reject);
        if (held === undefined && records.unended.has(db.uuid)) held = apply;
        else apply();
      });
    const clearing = records.clearTrace(db.uuid, "h2", "h1", () => records.unended.get(db.uuid) === "h2");
    await new Promise((resolve) => setImmediate(resolve));
    expect(held, "the clear's write is on its way").toBeDefined();
    await records.beginMigration(db, "h1", "h2");
    held!();
    expect(await clearing).toBe(false);
    expect((await records.get(db.uuid))?.migratingTo).toBe("h2");
  });
});
