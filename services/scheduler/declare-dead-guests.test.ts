import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { Bus } from "../contracts/bus.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import { MemoryStore, StoreUnavailableError } from "../contracts/state-store.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { guestDomainInfo, type RigGuest } from "../sim/scheduler-rig.js";
import type { HostGateway } from "./host-gateway.js";
import { Scheduler } from "./scheduler.js";
import { freeDeclaredGuests } from "./declare-dead-guests.js";

/** A store whose writes fail, as a broker gone mid-way does, once `writesLeft` reaches 0. */
class FailingStore extends MemoryStore {
  writesLeft = Infinity;
  writeCount = 0;
  private spend(operation: string): void {
    if (this.writesLeft <= 0) throw new StoreUnavailableError(operation, new Error("TIMEOUT"));
    this.writesLeft--;
    this.writeCount++;
  }
  override async update(key: string, value: string, revision: number) {
    this.spend("update");
    return super.update(key, value, revision);
  }
  override async remove(key: string, revision: number) {
    this.spend("remove");
    return super.remove(key, revision);
  }
  override async create(key: string, value: string) {
    this.spend("create");
    return super.create(key, value);
  }
}

const DNS: RigGuest = { name: "dns", memoryMib: 64, ha: "restart" };
const WEB: RigGuest = { name: "web", memoryMib: 64 };
const LOG: RigGuest = { name: "log", memoryMib: 64, ha: "best-effort" };
const DB: RigGuest = { name: "db", memoryMib: 64, ha: "restart" };

function heartbeat(hostId: string): Heartbeat {
  return {
    hostId,
    address: `sim://${hostId}`,
    sequence: 1,
    timeMs: 0,
    pcpus: 8,
    hvm: true,
    totalMemoryKib: 1 << 20,
    freeMemoryKib: 1 << 20,
    domainCount: 1,
    vcpusAllocated: 0,
    migrationsOutbound: 0,
    migrationsInbound: 0,
    intervalMs: 1000,
  };
}

/**
 * h2 (dead, not in the view) ran dns, web and log; db runs on h1 and was migrating to h2 when h2
 * died. The scheduler had recorded all of it; h1 is up in its view.
 */
async function deadH2() {
  const store = new FailingStore();
  const gateway = {} as HostGateway; // not called: no record names a live host to read afresh
  const scheduler = new Scheduler({
    clock: new SimulatedClock(),
    prng: new Prng(1),
    bus: {} as Bus,
    store,
    gateway,
  });
  scheduler.view.onHeartbeat(heartbeat("h1"), 0);
  const db = guestDomainInfo(1, DB);
  scheduler.view.syncDomains("h1", [db], "e1");
  const guests = [DNS, WEB, LOG].map((guest, index) => guestDomainInfo(index + 1, guest));
  await scheduler.ha.noteHost("h2", guests, "e2");
  await scheduler.ha.noteHost("h1", [db], "e1");
  await scheduler.ha.beginMigration(db, "h1", "h2", "e2", "e1");
  const names = new ClusterNames(store);
  for (const guest of guests) await names.reserve(guest.name, { uuid: guest.uuid, hostId: "h2" });
  await names.reserve("db", { uuid: db.uuid, hostId: "h1" });
  store.writeCount = 0;
  return { store, scheduler, names };
}

/** Every key of the store and its value (revisions aside). */
async function contents(store: MemoryStore): Promise<Map<string, string | undefined>> {
  const keys = [...(await store.keys("ha.")), ...(await store.keys("name."))];
  return new Map(await Promise.all(keys.map(async (key) => [key, await store.get(key)] as const)));
}

describe("freeDeclaredGuests (docs/specs/ha.md §7)", () => {
  it("HA off: halts every guest of the dead host, ends a migration to it, leaves other hosts' guests", async () => {
    const { store, scheduler, names } = await deadH2();
    const freed = await freeDeclaredGuests(scheduler, "h2", false);
    expect(freed).toEqual({ halted: ["dns", "log", "web"], restarting: [], elsewhere: [] });
    expect([...(await names.all()).keys()]).toEqual(["db"]);
    const records = await scheduler.ha.all();
    expect(records.map((r) => `${r.name}@${r.hostId}${r.migratingTo ? `->${r.migratingTo}` : ""}`)).toEqual([
      "db@h1",
    ]);
    const written = store.writeCount;
    expect(await freeDeclaredGuests(scheduler, "h2", false)).toEqual({
      halted: [],
      restarting: [],
      elsewhere: [],
    });
    expect(store.writeCount, "nothing left: nothing written").toBe(written);
  });

  it("HA on: the protected guests keep their records and names for HA's restart; the unprotected one is halted", async () => {
    const { scheduler, names } = await deadH2();
    const freed = await freeDeclaredGuests(scheduler, "h2", true);
    expect(freed).toEqual({ halted: ["web"], restarting: ["dns", "log"], elsewhere: [] });
    expect([...(await names.all()).keys()].sort()).toEqual(["db", "dns", "log"]);
    const db = (await scheduler.ha.all()).find((r) => r.name === "db");
    expect(db?.migratingTo, "HA's restart round looks at both ends of the migration").toBe("h2");
  });

  it("a guest the view shows on another host is left as it is (the reconcile moves its record and name)", async () => {
    const { scheduler, names } = await deadH2();
    scheduler.view.syncDomains("h1", [guestDomainInfo(1, DB), guestDomainInfo(7, DNS)], "e1");
    const freed = await freeDeclaredGuests(scheduler, "h2", false);
    expect(freed).toEqual({ halted: ["log", "web"], restarting: [], elsewhere: ["dns on h1"] });
    expect((await names.holding("dns"))?.holder.hostId).toBe("h2");
  });

  it("cut short at any write (the scheduler crashed), a second call completes it: the same store as in one go", async () => {
    const whole = await deadH2();
    await freeDeclaredGuests(whole.scheduler, "h2", false);
    const expected = await contents(whole.store);
    const writeCountWhole = whole.store.writeCount;
    for (let writesLeft = 0; writesLeft < writeCountWhole; writesLeft++) {
      const { store, scheduler } = await deadH2();
      store.writesLeft = writesLeft;
      await expect(
        freeDeclaredGuests(scheduler, "h2", false),
        `cut after ${writesLeft} writes`,
      ).rejects.toThrow(/state store cannot be reached/);
      store.writesLeft = Infinity;
      const retried = await freeDeclaredGuests(scheduler, "h2", false);
      expect(await contents(store), `cut after ${writesLeft} writes`).toEqual(expected);
      expect(retried.halted.length, "the retry halts what was left").toBeLessThanOrEqual(3);
    }
  });

  it("cut short at any write, it names as halted so far every protected guest whose record is gone, and no other with a record", async () => {
    const { store: wholeStore, scheduler: wholeScheduler } = await deadH2();
    const protectedOnH2 = (await wholeScheduler.ha.onHost("h2"))
      .filter((record) => record.hostId === "h2")
      .map((record) => record.name);
    expect(protectedOnH2.length).toBeGreaterThan(0);
    await freeDeclaredGuests(wholeScheduler, "h2", false);
    for (let writesLeft = 0; writesLeft < wholeStore.writeCount; writesLeft++) {
      const { store, scheduler } = await deadH2();
      store.writesLeft = writesLeft;
      const freed = { halted: [] as string[], restarting: [] as string[], elsewhere: [] as string[] };
      await expect(freeDeclaredGuests(scheduler, "h2", false, freed)).rejects.toThrow(/cannot be reached/);
      store.writesLeft = Infinity;
      const recordsLeft = new Set((await scheduler.ha.all()).map((record) => record.name));
      const where = `cut after ${writesLeft} writes`;
      for (const name of protectedOnH2)
        if (!recordsLeft.has(name)) expect(freed.halted, where).toContain(name);
      for (const name of freed.halted) expect(recordsLeft.has(name), where).toBe(false);
    }
  });
});
