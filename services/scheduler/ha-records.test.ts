import { describe, it, expect } from "vitest";
import { HaRecords } from "./ha-records.js";
import { MemoryStore, type StoreEntry } from "../contracts/state-store.js";
import { haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import { guestDomainInfo } from "../sim/scheduler-rig.js";

const dom0 = guestDomainInfo(0, { name: "Domain-0", memoryMib: 256 });

describe("HaRecords", () => {
  it("records the HA domains of a host's List and nothing else", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [
      dom0,
      guestDomainInfo(1, { name: "db", memoryMib: 128, ha: "restart" }),
      guestDomainInfo(2, { name: "web", memoryMib: 128, ha: "best-effort" }),
      guestDomainInfo(3, { name: "plain", memoryMib: 128 }),
      { ...guestDomainInfo(4, { name: "mig", memoryMib: 128, ha: "restart" }), name: "mig--incoming" },
      { ...guestDomainInfo(5, { name: "old", memoryMib: 128, ha: "restart" }), name: "old--migratedaway" },
    ]);
    expect(await store.keys("ha.")).toEqual(["ha.uuid-db", "ha.uuid-web"]);
    const db = await records.get("uuid-db");
    expect(db).toMatchObject({ name: "db", hostId: "h1", domid: 1, priority: "restart" });
    expect(JSON.parse(db?.configJson ?? "{}")).toMatchObject({ name: "db", memoryMib: 128 });
    expect((await records.get("uuid-web"))?.priority).toBe("best-effort");
  });

  it("noteHost of a host that runs no protected guest answers a settled promise, made once, and writes nothing", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    const idle = records.noteHost("h1", [dom0], "e1");
    expect(records.noteHost("h2", [dom0, guestDomainInfo(3, { name: "plain", memoryMib: 128 })])).toBe(idle);
    expect(records.noteHost("h3", [])).toBe(idle);
    await idle;
    expect(await store.keys("ha.")).toEqual([]);
  });

  it("moves a record when the domain shows up on another host", async () => {
    const records = new HaRecords(new MemoryStore());
    await records.noteHost("h1", [guestDomainInfo(1, { name: "db", memoryMib: 128, ha: "restart" })]);
    await records.noteHost("h2", [guestDomainInfo(7, { name: "db", memoryMib: 128, ha: "restart" })]);
    expect(await records.get("uuid-db")).toMatchObject({ hostId: "h2", domid: 7 });
    expect(await records.onHost("h1")).toEqual([]);
  });

  it("forgets a domain only on a destroyed event from the host and domid that own it", async () => {
    const records = new HaRecords(new MemoryStore());
    await records.noteHost("h1", [guestDomainInfo(1, { name: "db", memoryMib: 128, ha: "restart" })]);
    await records.forgetIfOn("uuid-db", "h2", 1);
    await records.forgetIfOn("uuid-db", "h1", 9);
    expect(await records.get("uuid-db"), "kept: not the owner").toBeDefined();
    await records.forgetIfOn("uuid-db", "h1", 1);
    expect(await records.get("uuid-db")).toBeUndefined();
  });

  it("lists a host's records restart first, then best-effort, each by name", async () => {
    const records = new HaRecords(new MemoryStore());
    await records.noteHost("h1", [
      guestDomainInfo(1, { name: "a-best", memoryMib: 64, ha: "best-effort" }),
      guestDomainInfo(2, { name: "z-restart", memoryMib: 64, ha: "restart" }),
      guestDomainInfo(3, { name: "b-restart", memoryMib: 64, ha: "restart" }),
    ]);
    await records.noteHost("h2", [guestDomainInfo(1, { name: "elsewhere", memoryMib: 64, ha: "restart" })]);
    expect((await records.onHost("h1")).map((r) => r.name)).toEqual(["b-restart", "z-restart", "a-best"]);
  });

  it("moved() rewrites the owner; unknown uuids are left alone", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [guestDomainInfo(1, { name: "db", memoryMib: 64, ha: "restart" })]);
    await records.moved("uuid-db", "h3", 4);
    await records.moved("uuid-none", "h3", 4);
    expect(await records.get("uuid-db")).toMatchObject({ hostId: "h3", domid: 4, name: "db" });
    expect(await store.keys("ha.")).toEqual(["ha.uuid-db"]);
  });
});

/**
 * A store in which another writer's write lands between a read of `ha.<uuid>` and the write that
 * follows it (once): the reader holds the value read before that write.
 */
class InterleavingStore extends MemoryStore {
  private interleave: (() => Promise<void>) | undefined;

  afterNextRead(write: () => Promise<void>): void {
    this.interleave = write;
  }

  override async entry(key: string): Promise<StoreEntry | undefined> {
    const read = await super.entry(key);
    const write = key.startsWith("ha.") ? this.interleave : undefined;
    this.interleave = undefined;
    if (write) await write();
    return read;
  }
}

const DB = guestDomainInfo(1, { name: "db", memoryMib: 128, ha: "restart" });

/** A source host's trace of a migration it runs (dom0/ha-migration-trace.ts): compare-and-set. */
async function hostWritesMigratingTo(store: MemoryStore, destinationHostId: string): Promise<void> {
  const key = haRecordKey(DB.uuid);
  const entry = await store.entry(key);
  const record = JSON.parse(entry!.value) as HaRecord;
  const written = await store.update(
    key,
    JSON.stringify({ ...record, migratingTo: destinationHostId }),
    entry!.revision,
  );
  expect(written, "the host's compare-and-set went through").toBeDefined();
}

describe("HaRecords writes with compare-and-set: no concurrent migratingTo is dropped (ha.md §5)", () => {
  it("noteHost re-reads when a host wrote migratingTo between its read and its write", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    // The scheduler lists h1 under a new epoch while h1 starts a direct migration of db to h2.
    store.afterNextRead(() => hostWritesMigratingTo(store, "h2"));
    await records.noteHost("h1", [DB], "e2");
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h1", hostEpoch: "e2", migratingTo: "h2" });
  });

  it("noteHost keeps the scheduler's own migratingTo written meanwhile, with its destination epoch", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    store.afterNextRead(async () => void (await records.beginMigration(DB, "h1", "h3", "e3")));
    await records.noteHost("h1", [DB], "e2");
    expect(await records.get(DB.uuid)).toMatchObject({
      hostId: "h1",
      hostEpoch: "e2",
      migratingTo: "h3",
      migratingToEpoch: "e3",
    });
  });

  it("moved keeps a migration the guest's new host started meanwhile", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    await records.beginMigration(DB, "h1", "h2", "e2");
    // db landed on h2; before the scheduler moves the record, h2 writes its own migration to h3.
    store.afterNextRead(async () => {
      await records.moved(DB.uuid, "h2", 4, "e2");
      await hostWritesMigratingTo(store, "h3");
    });
    await records.moved(DB.uuid, "h2", 4, "e2");
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h2", domid: 4, migratingTo: "h3" });
  });

  it("moved after an HA restart drops a trace to the lost host under its lost epoch, and no other", async () => {
    // VOPR seed 124: restarted on the migration's source, the record kept naming the dead
    // destination's old epoch, and every round after found that epoch gone again ("already runs").
    const records = new HaRecords(new MemoryStore());
    await records.noteHost("h1", [DB], "e1");
    await records.beginMigration(DB, "h1", "h2", "e2");
    await records.moved(DB.uuid, "h1", 9, "e1", { hostId: "h2", epoch: "e7" });
    expect(await records.get(DB.uuid), "another epoch of h2: kept").toMatchObject({ migratingTo: "h2" });
    await records.moved(DB.uuid, "h1", 9, "e1", { hostId: "h2", epoch: "e2" });
    const after = await records.get(DB.uuid);
    expect(after).toMatchObject({ hostId: "h1", domid: 9, hostEpoch: "e1" });
    expect(after?.migratingTo).toBeUndefined();
    expect(after?.migratingToEpoch).toBeUndefined();
  });

  it("endMigration clears only its own destination", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    await records.beginMigration(DB, "h1", "h2", "e2");
    // The scheduler's migration to h2 failed; h1 meanwhile started a direct one to h3.
    store.afterNextRead(() => hostWritesMigratingTo(store, "h3"));
    await records.endMigration(DB.uuid, "h2");
    expect((await records.get(DB.uuid))?.migratingTo).toBe("h3");
    await records.endMigration(DB.uuid, "h3");
    expect((await records.get(DB.uuid))?.migratingTo).toBeUndefined();
  });

  it("beginMigration leaves another migration's trace to its source: a direct one under way, or a previous scheduler's", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    // h1 runs a direct migration of db to h2 (its own trace): the scheduler's to h3 writes nothing.
    await hostWritesMigratingTo(store, "h2");
    const revision = (await store.entry(haRecordKey(DB.uuid)))?.revision;
    expect(await records.beginMigration(DB, "h1", "h3", "e3", "e1")).toBe("h2");
    expect((await store.entry(haRecordKey(DB.uuid)))?.revision, "nothing written").toBe(revision);
    // A previous scheduler process's trace, with its destination epoch: the same.
    await records.endMigration(DB.uuid, "h2");
    await records.beginMigration(DB, "h1", "h2", "e2", "e1");
    expect(await records.beginMigration(DB, "h1", "h3", "e3", "e1")).toBe("h2");
    expect(await records.get(DB.uuid)).toMatchObject({
      hostId: "h1",
      migratingTo: "h2",
      migratingToEpoch: "e2",
    });
  });

  it("beginMigration re-reads when the source's own trace lands between its read and its write", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    store.afterNextRead(() => hostWritesMigratingTo(store, "h2"));
    expect(await records.beginMigration(DB, "h1", "h3", "e3", "e1")).toBe("h2");
    expect((await records.get(DB.uuid))?.migratingTo).toBe("h2");
  });

  it("beginMigration to the destination already named adds its epoch", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    await hostWritesMigratingTo(store, "h2");
    expect(await records.beginMigration(DB, "h1", "h2", "e2", "e1")).toBeUndefined();
    expect(await records.get(DB.uuid)).toMatchObject({
      hostId: "h1",
      migratingTo: "h2",
      migratingToEpoch: "e2",
    });
  });

  it("beginMigration from the host a migration just brought the guest to names that host, not the old one (seed 104's path)", async () => {
    const records = new HaRecords(new MemoryStore());
    await records.noteHost("h1", [DB], "e1");
    await records.beginMigration(DB, "h1", "h2", "e2", "e1");
    // db committed on h2 (domid 4) and was listed there; the first migration's call has not
    // returned, so the record still says h1 -> h2. A second migration from h2 to h3:
    const onH2 = { ...DB, domid: 4 };
    expect(await records.beginMigration(onH2, "h2", "h3", "e3", "e2")).toBeUndefined();
    const record = await records.get(DB.uuid);
    expect(record, "h2, where db runs, and h3").toMatchObject({
      hostId: "h2",
      domid: 4,
      hostEpoch: "e2",
      migratingTo: "h3",
      migratingToEpoch: "e3",
    });
    // The first migration's moved, late: the record is on h2 already and keeps the second's trace.
    await records.moved(DB.uuid, "h2", 0, "e2", undefined, "h1");
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h2", migratingTo: "h3" });
    // The second completed and moved it to h3; a later moved of the first (from h1) leaves it there.
    await records.moved(DB.uuid, "h3", 0, "e3", undefined, "h2");
    await records.moved(DB.uuid, "h2", 0, "e2", undefined, "h1");
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h3" });
  });

  it("beginMigration leaves a record on another host that names a migration to a third one", async () => {
    const store = new MemoryStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    await hostWritesMigratingTo(store, "h3");
    expect(await records.beginMigration({ ...DB, domid: 4 }, "h2", "h4", "e4", "e2")).toBe("h3");
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h1", migratingTo: "h3" });
  });

  it("forgetIfOn removes only the record it read", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    // db's destroyed event from h1 is handled while db was already recorded on h2 (its migration).
    store.afterNextRead(() => records.moved(DB.uuid, "h2", 1, "e2"));
    expect(await records.forgetIfOn(DB.uuid, "h1", 1)).toBe(false);
    expect(await records.get(DB.uuid)).toMatchObject({ hostId: "h2" });
  });

  it("gives up with an error when the record changes at every attempt", async () => {
    const store = new InterleavingStore();
    const records = new HaRecords(store);
    await records.noteHost("h1", [DB], "e1");
    const entry = store.entry.bind(store);
    let n = 0;
    store.entry = async (key) => {
      const read = await entry(key);
      await store.put(key, JSON.stringify({ ...(JSON.parse(read!.value) as HaRecord), domid: 100 + n++ }));
      return read;
    };
    await expect(records.noteHost("h1", [DB], "e2")).rejects.toThrow(
      "the HA record ha.uuid-db kept changing while it was written (5 compare-and-set attempts); not written",
    );
  });
});
