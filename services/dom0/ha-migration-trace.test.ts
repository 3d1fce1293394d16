import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { MemoryStore, StoreUnavailableError } from "../contracts/state-store.js";
import { haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { ClusterNames } from "./cluster-names.js";
import { HostNames } from "./host-names.js";
import {
  HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX,
  HA_TRACE_CLEAR_RETRY_DELAY_MS,
  HaMigrationTrace,
} from "./ha-migration-trace.js";
import { leaseKey } from "../contracts/lease.js";

function node(store: MemoryStore, clock?: SimulatedClock) {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  const toolstack = new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
  const log: string[] = [];
  const names = new HostNames(toolstack, new ClusterNames(store), (line) => log.push(line));
  const trace = new HaMigrationTrace(
    store,
    "h1",
    () => "boot-1",
    (line) => log.push(line),
    clock,
  );
  names.afterCreate = (record) => trace.created(record);
  return { names, log, trace };
}

function config(name: string, ha: boolean) {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 16\n${ha ? 'xsim_ha = "restart"\n' : ""}`;
  return loadDomainConfig(text, `${name}.cfg`, [], new Prng(3));
}

async function recordOf(store: MemoryStore, uuid: string): Promise<HaRecord | undefined> {
  const text = await store.get(haRecordKey(uuid));
  return text === undefined ? undefined : (JSON.parse(text) as HaRecord);
}

describe("a host records the protected guests it creates (docs/specs/ha.md §5, VOPR seed 196)", () => {
  it("writes the HA record with this boot's lease epoch; none for an unprotected guest", async () => {
    const store = new MemoryStore();
    const { names } = node(store);
    const dns = await names.create(config("dns", true));
    const web = await names.create(config("web", false));
    expect(await recordOf(store, dns.uuid)).toMatchObject({
      uuid: dns.uuid,
      name: "dns",
      hostId: "h1",
      priority: "restart",
      hostEpoch: "boot-1",
    });
    expect(await recordOf(store, web.uuid)).toBeUndefined();
  });

  it("leaves a record that exists alone (the scheduler's, an HA restart's)", async () => {
    const store = new MemoryStore();
    const { names } = node(store);
    const uuid = "7ab2da21-4f3d-4052-b0cd-eb71965a0f45";
    const theirs = JSON.stringify({ uuid, name: "dns", hostId: "h1", hostEpoch: "scheduler-read" });
    await store.put(haRecordKey(uuid), theirs);
    await names.create({ ...config("dns", true), uuid });
    expect(await store.get(haRecordKey(uuid))).toBe(theirs);
  });

  it("still creates the guest when the record cannot be written, and says so", async () => {
    const store = new MemoryStore();
    const { names, log } = node(store);
    const create = store.create.bind(store);
    store.create = async (key, value) => {
      if (!key.startsWith("ha.")) return create(key, value);
      store.unavailable = true; // only the record's write fails
      return create(key, value).finally(() => (store.unavailable = false));
    };
    const dns = await names.create(config("dns", true));
    expect(dns.name).toBe("dns");
    expect(await recordOf(store, dns.uuid)).toBeUndefined();
    expect(log.join("\n")).toMatch(
      /HA record of dns not written \(.*\): the scheduler records it from our List/,
    );
  });
});

describe("a migration's trace whose write the store applied but did not answer", () => {
  it("refuses the migration saying the guest did not move, never that nothing was changed", async () => {
    const store = new MemoryStore();
    const { names, trace } = node(store);
    const dns = await names.create(config("dns", true));
    const update = store.update.bind(store);
    store.update = async (key, value, revision) => {
      const written = await update(key, value, revision);
      if (key.startsWith("ha.")) throw new StoreUnavailableError("update", new Error("TIMEOUT"));
      return written;
    };
    const refusal = trace.begin(dns, "h2");
    await expect(refusal).rejects.toThrow(
      /^dns: an HA-protected guest cannot be migrated .*; it was not migrated \(its HA record may name the destination as well\), try again$/,
    );
    expect(await recordOf(store, dns.uuid), "the write was applied").toMatchObject({ migratingTo: "h2" });
  });
});

describe("an unknown handover is settled by the destination's lease (docs/specs/ha.md §5, VOPR seed 192)", () => {
  const lease = (state: "live" | "revoked") =>
    JSON.stringify({ hostId: "h2", address: "sim://h2", epoch: "e2", state, sees: [] });

  async function migrating(store: MemoryStore) {
    const { names, trace } = node(store);
    const db = await names.create(config("db", true));
    expect(await trace.begin(db, "h2")).toBe(true);
    return { db, trace };
  }

  it("waits while the destination's lease is live or absent", async () => {
    const store = new MemoryStore();
    const { db, trace } = await migrating(store);
    expect(await trace.settleUnknown(db, "h2")).toBe("wait");
    await store.put(leaseKey("h2"), lease("live"));
    expect(await trace.settleUnknown(db, "h2")).toBe("wait");
    expect((await recordOf(store, db.uuid))?.migratingTo).toBe("h2");
  });

  it("revoked, the record naming this host: the trace is cleared and the source resumes", async () => {
    const store = new MemoryStore();
    const { db, trace } = await migrating(store);
    await store.put(leaseKey("h2"), lease("revoked"));
    expect(await trace.settleUnknown(db, "h2")).toBe("resume");
    const record = await recordOf(store, db.uuid);
    expect(record).toMatchObject({ hostId: "h1", hostEpoch: "boot-1" });
    expect(record?.migratingTo).toBeUndefined();
  });

  it("revoked, the record naming another host (HA restarts it there): the stand-in goes", async () => {
    const store = new MemoryStore();
    const { db, trace } = await migrating(store);
    await store.put(leaseKey("h2"), lease("revoked"));
    const moved = { ...(await recordOf(store, db.uuid))!, hostId: "h2", migratingTo: undefined };
    await store.put(haRecordKey(db.uuid), JSON.stringify(moved));
    expect(await trace.settleUnknown(db, "h2")).toBe("destroy");
  });
});

/** Lets the store's answers (promises) and what they start run. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe("a failed migration's trace that the store does not let the source clear", () => {
  async function failedWithTheStoreDown() {
    const store = new MemoryStore();
    const clock = new SimulatedClock();
    const { names, trace, log } = node(store, clock);
    const db = await names.create(config("db", true));
    expect(await trace.begin(db, "h2")).toBe(true);
    store.unavailable = true;
    trace.end(db, "h2");
    await settle();
    return { store, clock, trace, log, db };
  }

  it("is cleared by a retry once the store answers again (before: named the destination for good)", async () => {
    const { store, clock, log, db } = await failedWithTheStoreDown();
    expect(log.at(-1)).toMatch(/^HA record of db still names h2: .*; tried again every 5 s$/);
    clock.advanceMs(HA_TRACE_CLEAR_RETRY_DELAY_MS);
    await settle();
    store.unavailable = false;
    expect((await recordOf(store, db.uuid))?.migratingTo, "still down at the first retry").toBe("h2");
    clock.advanceMs(HA_TRACE_CLEAR_RETRY_DELAY_MS);
    await settle();
    const record = await recordOf(store, db.uuid);
    expect(record).toMatchObject({ hostId: "h1", name: "db" });
    expect(record?.migratingTo).toBeUndefined();
    expect(log.at(-1)).toBe("HA record of db no longer names h2");
  });

  it("never takes away the trace of a new migration of the guest begun meanwhile", async () => {
    const { store, clock, trace, db } = await failedWithTheStoreDown();
    store.unavailable = false;
    expect(await trace.begin(db, "h2")).toBe(true);
    clock.advanceMs(HA_TRACE_CLEAR_RETRY_DELAY_MS);
    await settle();
    expect((await recordOf(store, db.uuid))?.migratingTo).toBe("h2");
  });

  it("is given up after HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX tries, said so", async () => {
    const { clock, log } = await failedWithTheStoreDown();
    for (let attempt = 1; attempt < HA_TRACE_CLEAR_ATTEMPT_COUNT_MAX; attempt++) {
      clock.advanceMs(HA_TRACE_CLEAR_RETRY_DELAY_MS);
      await settle();
    }
    expect(log.at(-1)).toMatch(
      /^HA record of db still names h2: the cluster's state store cannot be reached/,
    );
    expect(clock.pendingTimerCount()).toBe(0);
  });
});
