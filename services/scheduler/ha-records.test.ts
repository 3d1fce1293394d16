import { describe, it, expect } from "vitest";
import { HaRecords } from "./ha-records.js";
import { MemoryStore } from "../contracts/state-store.js";
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
