import { describe, expect, it } from "vitest";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { startBackground } from "./background.js";
import { reconcile, RECONCILE_INTERVAL_MS, RECONCILE_SWEEP_INTERVAL_MS } from "./reconcile.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import type { HaRecord } from "./ha-records.js";
import { DomainInfo } from "../gen/xensim/v1/host.js";

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

/** The scheduler with its background tasks (as SchedulerProcess.lead starts them). */
async function rigWithBackground(state: Record<string, string> = {}): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start(HOSTS, { state });
  const stopBackground = startBackground(rig.scheduler);
  const stop = rig.stop.bind(rig);
  rig.stop = () => {
    stopBackground();
    return stop();
  };
  return rig;
}

describe("the scheduler's reconcile", () => {
  it("lists only hosts whose heartbeat's listVersion moved since their last List, and every host once a sweep interval", async () => {
    const rig = await rigWithBackground();
    // Past the first reconcile (a sweep: both listed) to just before the next sweep.
    await rig.idle(RECONCILE_SWEEP_INTERVAL_MS - 2 * RECONCILE_INTERVAL_MS);
    const before = rig.calls.listCalls.length;
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(rig.calls.listCalls.slice(before), "unchanged hosts are not listed").toEqual([]);
    // A change on h2 no event tells (a xenstore write): its next heartbeat's listVersion moves.
    rig.cluster.host("h2").host.toolstack.store.write("/local/domain/0/xsim-test", "1");
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(rig.calls.listCalls.slice(before)).toEqual(["h2"]);
    // The sweep lists every host, changed or not.
    await rig.idle(2 * RECONCILE_INTERVAL_MS);
    expect(rig.calls.listCalls.slice(before)).toEqual(["h2", "h1", "h2"]);
    await rig.stop();
  });

  it("walks no domains of up hosts that run none, between sweeps", async () => {
    const rig = await rigWithBackground();
    await rig.idle(2 * RECONCILE_INTERVAL_MS);
    let walkCount = 0;
    class CountedDomains extends Map<string, DomainInfo> {
      override values(): MapIterator<DomainInfo> {
        walkCount++;
        return super.values();
      }
    }
    for (const host of rig.scheduler.view.upHosts()) host.domains = new CountedDomains();
    const before = rig.calls.listCalls.length;
    await rig.run(reconcile(rig.scheduler));
    expect(rig.calls.listCalls.slice(before), "no host listed").toEqual([]);
    expect(walkCount, "domain walks").toBe(0);
    await rig.stop();
  });

  it("drops an HA record whose guest a live host no longer runs: a later death of that host brings nothing back", async () => {
    // HA off, as with HA on: gone twice under the epoch its host runs under (destroyed on purpose
    // while no scheduler watched).
    const rig = await rigWithBackground();
    const gone = { ...record("gone", "h1"), hostEpoch: rig.cluster.host("h1").host.leaseEpoch };
    await rig.store.put("ha.uuid-gone", JSON.stringify(gone));
    const store = rig.store;
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await store.get("ha.uuid-gone")).toBeUndefined();
    expect(rig.log.join("\n")).toMatch(/dropped the HA record of gone/);
    rig.cluster.killHost("h1");
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(rig.calls.createCalls).toEqual([]);
    await rig.stop();
  });

  it("drops no HA record of an older lease epoch, HA unknown or off (VOPR seed 7; --ha toggle seed 3)", async () => {
    // A scheduler started during a broker outage does not know whether HA is on: the record of a
    // guest its host destroyed when it fenced (a new lease epoch since) is HA's to restart, not a
    // guest destroyed on purpose. With HA off too: the guest is down until HA is enabled again
    // (docs/specs/ha.md §4 rule 1); dropped at once, it came back or not depending on whether the
    // ha-enable came before this reconcile.
    const gone = { ...record("gone", "h1"), hostEpoch: "epoch-before-the-fence" };
    const rig = await SchedulerRig.start(HOSTS, { state: { "ha.uuid-gone": JSON.stringify(gone) } });
    rig.scheduler.haEnabled = undefined;
    const stopBackground = startBackground(rig.scheduler);
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await rig.store.get("ha.uuid-gone"), rig.log.join("\n")).toBeDefined();
    rig.scheduler.haEnabled = false;
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await rig.store.get("ha.uuid-gone"), "HA off: kept for its restart").toBeDefined();
    stopBackground();
    await rig.stop();
  });

  it("with HA on, drops a record gone twice under the epoch its host listed it under, never one without an epoch (VOPR seeds 58, 61, 71)", async () => {
    // Both guests are gone from h1, which is up and read. "listed" was seen under h1's lease epoch
    // now: destroyed on purpose while no scheduler watched. "unknown" carries no epoch (written
    // before any was known): it may have died with an older one (a fence during a broker outage),
    // so it is never taken for "the same epoch"; HA's restart decides.
    const rig = await SchedulerRig.start(HOSTS);
    const epoch = rig.cluster.host("h1").host.leaseEpoch;
    const listed = { ...record("listed", "h1"), hostEpoch: epoch };
    await rig.store.put("ha.uuid-listed", JSON.stringify(listed));
    await rig.store.put("ha.uuid-unknown", JSON.stringify(record("unknown", "h1")));
    const names = new ClusterNames(rig.store);
    for (const name of ["listed", "unknown"])
      await names.reserve(name, { uuid: `uuid-${name}`, hostId: "h1" });
    rig.scheduler.haEnabled = true;
    const stopBackground = startBackground(rig.scheduler);
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await rig.store.get("ha.uuid-listed"), rig.log.join("\n")).toBeUndefined();
    expect(await rig.store.get("ha.uuid-unknown"), "no epoch: kept").toBeDefined();
    expect(await names.all(), "its name kept for the restart").toEqual(
      new Map([["unknown", { uuid: "uuid-unknown", hostId: "h1" }]]),
    );
    stopBackground();
    await rig.stop();
  });

  it("never moves a record to a host back from the dead whose List failed: its view still shows what it ran before (VOPR seed 247)", async () => {
    const rig = await SchedulerRig.start(HOSTS, {});
    const uuid = "uuid-db";
    await rig.run(reconcile(rig.scheduler));
    // db was restarted on h2 and fenced there; h2's List goes unanswered too, so nothing drops it.
    await rig.store.put(`ha.${uuid}`, JSON.stringify({ ...record("db", "h2"), uuid }));
    rig.calls.failingLists.add("h2");
    // h1 came back: its entry is unsynced and still lists db as it ran before h1 died.
    const h1 = rig.scheduler.view.hosts.get("h1")!;
    h1.synced = false;
    h1.domains.set(uuid, DomainInfo.fromPartial({ domid: 11, name: "db", uuid }));
    rig.calls.failingLists.add("h1");
    await rig.run(reconcile(rig.scheduler));
    const after = await rig.store.get(`ha.${uuid}`);
    expect(after === undefined ? undefined : (JSON.parse(after) as HaRecord).hostId).toBe("h2");
    rig.calls.failingLists.delete("h1");
    await rig.run(reconcile(rig.scheduler));
    expect(h1.synced, "listed once its List answers").toBe(true);
    expect(h1.domains.has(uuid)).toBe(false);
    await rig.stop();
  });

  it("moves a record to where its guest runs, frees names nobody holds, names what runs unnamed", async () => {
    const rig = await rigWithBackground();
    const store = rig.store;
    const names = new ClusterNames(store);
    const web = rig.addGuest("h2", { name: "web", memoryMib: 64, ha: "restart" });
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

  it("keeps the name of a guest that still has an HA record (its restart needs it), HA on or off", async () => {
    // A fenced guest: its host is up and read and runs no such guest, its lease has a new epoch.
    // A free name would tell HA "destroyed on purpose" (docs/specs/ha.md §5): the name stays.
    const fenced = { ...record("fenced", "h1"), hostEpoch: "epoch-before-the-fence" };
    const rig = await rigWithBackground({ "ha.uuid-fenced": JSON.stringify(fenced) });
    rig.scheduler.haEnabled = true;
    const names = new ClusterNames(rig.store);
    await names.reserve("fenced", { uuid: "uuid-fenced", hostId: "h1" });
    await names.reserve("plain", { uuid: "uuid-plain", hostId: "h1" });
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await rig.store.get("ha.uuid-fenced"), rig.log.join("\n")).toBeDefined();
    expect(await names.all(), "no record: freed").toEqual(
      new Map([["fenced", { uuid: "uuid-fenced", hostId: "h1" }]]),
    );
    // HA off: the guest is down until HA is enabled again (docs/specs/ha.md §4 rule 1), its
    // record and name kept for that restart.
    rig.scheduler.haEnabled = false;
    await rig.idle(3 * RECONCILE_INTERVAL_MS);
    expect(await rig.store.get("ha.uuid-fenced")).toBeDefined();
    expect(await names.all()).toEqual(new Map([["fenced", { uuid: "uuid-fenced", hostId: "h1" }]]));
    await rig.stop();
  });

  it("keeps the name of a guest whose HA record was written after the reconcile read the records (VOPR seed 439)", async () => {
    // dns was created on h1 (its name, then its record) just after the reconcile read the records,
    // and h1 died with it before the reconcile listed it: h1 is up and read and runs no dns.
    const rig = await SchedulerRig.start(HOSTS);
    rig.scheduler.haEnabled = true;
    const names = new ClusterNames(rig.store);
    await names.reserve("dns", { uuid: "uuid-dns", hostId: "h1" });
    await names.reserve("plain", { uuid: "uuid-plain", hostId: "h1" });
    const readRecords = rig.scheduler.ha.all.bind(rig.scheduler.ha);
    rig.scheduler.ha.all = async () => {
      const snapshot = await readRecords();
      await rig.store.put("ha.uuid-dns", JSON.stringify({ ...record("dns", "h1"), uuid: "uuid-dns" }));
      return snapshot;
    };
    await rig.run(reconcile(rig.scheduler));
    expect(await names.all(), `a record in the store keeps the name\n${rig.log.join("\n")}`).toEqual(
      new Map([["dns", { uuid: "uuid-dns", hostId: "h1" }]]),
    );
    await rig.stop();
  });

  it("survives a store outage of any length: every task logs and retries, nothing throws", async () => {
    const rig = await rigWithBackground();
    const db = rig.addGuest("h1", { name: "db", memoryMib: 64, ha: "restart" });
    await rig.idle(RECONCILE_INTERVAL_MS);
    expect(await rig.store.get(`ha.${db.uuid}`)).toBeDefined();
    rig.cluster.brokerDown();
    rig.cluster.killHost("h1");
    await rig.idle(6 * RECONCILE_INTERVAL_MS);
    expect(rig.log.join("\n")).toMatch(
      /reconcile failed: the cluster's state store cannot be reached \(\w+: TIMEOUT\)/,
    );
    rig.cluster.brokerUp();
    await rig.idle(2 * RECONCILE_INTERVAL_MS);
    expect(rig.log.join("\n")).not.toMatch(/unhandled/);
    expect(await rig.store.get(`ha.${db.uuid}`), "kept: h1 was not read, its lease decides").toBeDefined();
    await rig.stop();
  });
});
