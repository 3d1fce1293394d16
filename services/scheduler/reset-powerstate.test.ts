import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { Bus } from "../contracts/bus.js";
import { MemoryStore } from "../contracts/state-store.js";
import { HA_CONFIG_KEY, leaseKey, leaseTiming, type LeaseValue } from "../contracts/lease.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";
import type { ListResponse } from "../gen/xensim/v1/host.js";
import type { HostGateway } from "./host-gateway.js";
import { Scheduler } from "./scheduler.js";
import { LeaseObserver } from "./ha-lease-observer.js";
import type { HaMonitor } from "./ha-monitor.js";
import { resetPowerState, RESET_HALTED } from "./reset-powerstate.js";
import { isCutShort, subjectsOf } from "./steps-done.js";
import type { HaRecord } from "../contracts/ha-record.js";

const T_MS = 30_000;

/**
 * HA off; dns (protected) recorded on h2 under epoch e2, its name h2's; h2's lease unchanged since
 * time 0 and h3's too, the clock past T. Each host's List fails (dead) unless `lists` answers it.
 */
async function setup(record: Partial<HaRecord> = {}, lists: Record<string, ListResponse> = {}) {
  const clock = new SimulatedClock();
  const statefile = new MemoryStatefile();
  const store = new MemoryStore();
  await statefile.put(HA_CONFIG_KEY, JSON.stringify({ enabled: false, timeoutMs: T_MS }));
  const observer = new LeaseObserver();
  const leases = new Map<string, { lease: LeaseValue; revision: number }>();
  for (const hostId of ["h2", "h3"]) {
    const lease: LeaseValue = {
      hostId,
      address: `sim://${hostId}`,
      epoch: `e${hostId}`,
      state: "live",
      sees: [],
    };
    leases.set(hostId, { lease, revision: await statefile.put(leaseKey(hostId), JSON.stringify(lease)) });
  }
  observer.observe(leases, 0, leaseTiming(T_MS));
  const dns: HaRecord = {
    uuid: "u-dns",
    name: "dns",
    hostId: "h2",
    domid: 3,
    priority: "restart",
    configJson: "{}",
    hostEpoch: "eh2",
    ...record,
  };
  await store.put("ha.u-dns", JSON.stringify(dns));
  await store.put("name.dns", JSON.stringify({ uuid: "u-dns", hostId: "h2" }));
  const gateway = {
    list: (address: string) => {
      const reply = lists[address.slice("sim://".length)];
      return reply ? Promise.resolve(reply) : Promise.reject(new Error("UNAVAILABLE: connection refused"));
    },
  } as unknown as HostGateway;
  const scheduler = new Scheduler({ clock, prng: new Prng(1), bus: {} as Bus, store, gateway });
  const monitor = { scheduler, schedulerId: "scheduler-1", observer } as unknown as HaMonitor;
  clock.advanceMs(T_MS);
  return { statefile, store, monitor };
}

describe("resetPowerState (docs/specs/ha.md §8)", () => {
  it("a store that fails the name's release after the record was dropped: halted (cut short, typed), a retry frees the name", async () => {
    const { statefile, store, monitor } = await setup();
    const remove = store.remove.bind(store);
    store.remove = (key, revision) =>
      key === "name.dns" ? Promise.reject(new Error("TIMEOUT")) : remove(key, revision);
    const error: unknown = await resetPowerState(monitor, statefile, "dns", true).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(NothingChangedError);
    expect(isCutShort(error) && subjectsOf(error.done, RESET_HALTED)).toEqual(["dns"]);
    expect((error as Error).message).toMatch(
      /^dns is reset to halted \(its HA record dropped: nothing restarts it\), but releasing its name was cut short \(.*TIMEOUT.*\); run vm-reset-powerstate dns --force again to finish$/,
    );
    expect(await store.get("ha.u-dns")).toBeUndefined();
    store.remove = remove;
    const again = await resetPowerState(monitor, statefile, "dns", true);
    expect(again).toMatchObject({ name: "dns", halted: true });
    expect(await store.get("name.dns")).toBeUndefined();
  });

  it("a store that fails the first write: it may or may not be applied, never 'nothing was changed'", async () => {
    const { statefile, store, monitor } = await setup();
    store.remove = () => Promise.reject(new Error("TIMEOUT"));
    const error: unknown = await resetPowerState(monitor, statefile, "dns", true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolstackError);
    expect(error).not.toBeInstanceOf(NothingChangedError);
    expect((error as Error).message).toMatch(
      /its records may or may not be freed: run vm-reset-powerstate dns --force again$/,
    );
  });

  it("a record that names a migration to another host: halted when that host answers without it, refused when it lists it", async () => {
    const without = await setup({ migratingTo: "h3" }, { h3: { domains: [], leaseEpoch: "eh3" } });
    const reset = await resetPowerState(without.monitor, without.statefile, "dns", true);
    expect(reset).toMatchObject({ halted: true, hostId: "h2" });

    const domain = { domid: 9, name: "dns--incoming", uuid: "u-dns" } as ListResponse["domains"][number];
    const withIt = await setup({ migratingTo: "h3" }, { h3: { domains: [domain], leaseEpoch: "eh3" } });
    const error: unknown = await resetPowerState(withIt.monitor, withIt.statefile, "dns", true).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NothingChangedError);
    expect((error as Error).message).toBe(
      "cannot reset the power state of dns: it runs on h3: h3 answers the scheduler and lists it as dns--incoming (domid 9); nothing was changed",
    );
    expect(await withIt.store.get("name.dns")).toBeDefined();
  });

  it("its host answering under the epoch it ran under: refused, it may still start or run it", async () => {
    const { statefile, monitor } = await setup({}, { h2: { domains: [], leaseEpoch: "eh2" } });
    const error: unknown = await resetPowerState(monitor, statefile, "dns", true).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "cannot reset the power state of dns: its host h2 may still run it: it is alive: it answers the scheduler at sim://h2 under lease epoch eh2, the one it ran under, and may still start or run it; nothing was changed",
    );
  });
});
