import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { Bus } from "../contracts/bus.js";
import { MemoryStore } from "../contracts/state-store.js";
import { HA_CONFIG_KEY, leaseKey, leaseTiming, parseLease, type LeaseValue } from "../contracts/lease.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { NothingChangedError } from "../dom0/errors.js";
import type { ListResponse } from "../gen/xensim/v1/host.js";
import type { HostGateway } from "./host-gateway.js";
import { Scheduler } from "./scheduler.js";
import { LeaseObserver } from "./ha-lease-observer.js";
import type { HaMonitor } from "./ha-monitor.js";
import { cutShort, declareHostDead, declaredSoFar } from "./declare-dead.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { ToolstackError } from "../dom0/errors.js";

const T_MS = 30_000;

/**
 * h2's lease in a statefile, observed by the scheduler since time 0; the clock at `nowMs`. The
 * gateway's List of h2 fails (dead) unless `onList` answers it.
 */
async function setup(options: { nowMs: number; onList?: () => Promise<ListResponse> }) {
  const clock = new SimulatedClock();
  const statefile = new MemoryStatefile();
  await statefile.put(HA_CONFIG_KEY, JSON.stringify({ enabled: false, timeoutMs: T_MS }));
  const lease: LeaseValue = { hostId: "h2", address: "sim://h2", epoch: "e2", state: "live", sees: [] };
  const revision = await statefile.put(leaseKey("h2"), JSON.stringify(lease));
  const gateway = {
    list: () => options.onList?.() ?? Promise.reject(new Error("UNAVAILABLE: connection refused")),
  } as unknown as HostGateway;
  const scheduler = new Scheduler({
    clock,
    prng: new Prng(1),
    bus: {} as Bus,
    store: new MemoryStore(),
    gateway,
  });
  const observer = new LeaseObserver();
  observer.observe(new Map([["h2", { lease, revision }]]), 0, leaseTiming(T_MS));
  const monitor = {
    scheduler,
    schedulerId: "scheduler-1",
    observer,
    round: () => Promise.resolve(),
  } as unknown as HaMonitor;
  clock.advanceMs(options.nowMs);
  return { statefile, monitor, revision };
}

async function refused(work: Promise<unknown>): Promise<NothingChangedError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NothingChangedError);
  return error as NothingChangedError;
}

describe("declareHostDead (docs/specs/ha.md §7)", () => {
  it("revokes the lease at the revision read, marked declaredDead, once unchanged for T", async () => {
    const { statefile, monitor, revision } = await setup({ nowMs: T_MS });
    const declared = await declareHostDead(monitor, statefile, "h2");
    expect(declared).toMatchObject({ hostId: "h2", leaseEpoch: "e2", alreadyDead: false });
    const entry = await statefile.read(leaseKey("h2"));
    expect(entry?.revision).toBe(revision + 1);
    expect(parseLease(entry?.value ?? "")).toMatchObject({
      state: "revoked",
      revokedBy: "scheduler-1",
      declaredDead: true,
      epoch: "e2",
    });
  });

  it("a renewal between the read and the revocation wins: refused, the lease as the host wrote it", async () => {
    let renewed: number | undefined;
    const { statefile, monitor } = await setup({
      nowMs: T_MS,
      onList: async () => {
        const entry = await statefile.read(leaseKey("h2"));
        renewed = await statefile.update(leaseKey("h2"), entry!.value, entry!.revision);
        throw new Error("UNAVAILABLE: deadline exceeded");
      },
    });
    const error = await refused(declareHostDead(monitor, statefile, "h2"));
    expect(error.message).toBe(
      "cannot declare h2 dead: it is alive: it renewed its HA lease meanwhile; nothing was changed",
    );
    const entry = await statefile.read(leaseKey("h2"));
    expect(entry?.revision).toBe(renewed);
    expect(parseLease(entry?.value ?? "")?.state).toBe("live");
  });

  it("a store it cannot read proves nothing: refused UNAVAILABLE", async () => {
    const { statefile, monitor } = await setup({ nowMs: T_MS });
    statefile.unreachable = true;
    const error = await refused(declareHostDead(monitor, statefile, "h2"));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(
      /^cannot declare h2 dead: the scheduler cannot read its HA lease from the state store now/,
    );
  });

  it("refuses a lease the scheduler saw unchanged for less than T, saying how long to wait", async () => {
    const { statefile, monitor } = await setup({ nowMs: T_MS - 4000 });
    const error = await refused(declareHostDead(monitor, statefile, "h2"));
    expect(error.message).toBe(
      "cannot declare h2 dead: it may be alive: the scheduler has observed its HA lease unchanged for only 26.0 s, less than T = 30 s (try again in 4.0 s); nothing was changed",
    );
    expect(parseLease((await statefile.read(leaseKey("h2")))?.value ?? "")?.state).toBe("live");
  });

  it("disables the host, as XAPI's declare_dead: placement refuses it until host-enable", async () => {
    const { statefile, monitor } = await setup({ nowMs: T_MS });
    const declared = await declareHostDead(monitor, statefile, "h2");
    expect(declared.disabled).toBe(true);
    expect(monitor.scheduler.disabledHosts.has("h2")).toBe(true);
    expect(await monitor.scheduler.options.store.get("host.h2")).toBe("disabled");
  });

  it("a store that fails the disable: declared dead all the same, the reply says the disable was cut short", async () => {
    const { statefile, monitor } = await setup({ nowMs: T_MS });
    const store = monitor.scheduler.options.store as MemoryStore;
    const put = store.put.bind(store);
    store.put = () => Promise.reject(new StoreUnavailableError("put", new Error("TIMEOUT")));
    const error: unknown = await declareHostDead(monitor, statefile, "h2").catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(NothingChangedError);
    expect((error as Error).message).toMatch(
      /^h2 is declared dead \(its HA lease, epoch e2, is revoked\), but disabling it was cut short/,
    );
    expect(declaredSoFar(error)).toEqual({ leaseEpoch: "e2", disabled: false, halted: [] });
    expect(monitor.scheduler.disabledHosts.has("h2"), "a failed disable is undone here").toBe(false);
    store.put = put;
    const again = await declareHostDead(monitor, statefile, "h2");
    expect(again).toMatchObject({ alreadyDead: true, disabled: true });
    expect(await store.get("host.h2")).toBe("disabled");
  });

  it("a second call on the lease it revoked writes nothing and says so", async () => {
    const { statefile, monitor } = await setup({ nowMs: T_MS });
    await declareHostDead(monitor, statefile, "h2");
    const revision = (await statefile.read(leaseKey("h2")))?.revision;
    const again = await declareHostDead(monitor, statefile, "h2");
    expect(again.alreadyDead).toBe(true);
    expect((await statefile.read(leaseKey("h2")))?.revision).toBe(revision);
  });
});

describe("a declaration cut short after the revocation", () => {
  it("says the host is declared dead and what it halted, never 'nothing was changed', and its steps read back typed", () => {
    const cause = new StoreUnavailableError("get", new Error("TIMEOUT"));
    const error = cutShort(
      "h3",
      "e3.6",
      { halted: ["db", "ci"], restarting: [], elsewhere: [] },
      cause,
      true,
    );
    expect(error).toBeInstanceOf(ToolstackError);
    expect(error).not.toBeInstanceOf(NothingChangedError);
    expect(error.message).toBe(
      "h3 is declared dead (its HA lease, epoch e3.6, is revoked) and disabled, but freeing its guests was cut short " +
        "(the cluster's state store cannot be reached (get: TIMEOUT)); halted so far: ci, db; " +
        "run host-declare-dead h3 again to finish",
    );
    expect(declaredSoFar(error)).toEqual({ leaseEpoch: "e3.6", disabled: true, halted: ["ci", "db"] });
    expect(error.done).toEqual([
      { action: "revoked the HA lease of", subject: "h3", epoch: "e3.6" },
      { action: "disabled", subject: "h3" },
      { action: "halted", subject: "ci" },
      { action: "halted", subject: "db" },
    ]);
    const none = cutShort(
      "h3",
      "e3",
      { halted: [], restarting: ["web"], elsewhere: [] },
      new Error("boom"),
      true,
    );
    expect(none.message).toContain("halted so far: none; HA restarts web; run host-declare-dead h3");
    expect(declaredSoFar(none)).toEqual({ leaseEpoch: "e3", disabled: true, halted: [] });
    const undisabled = cutShort(
      "h3",
      "e3",
      { halted: [], restarting: [], elsewhere: [] },
      new Error("boom"),
      false,
    );
    expect(undisabled.message).toBe(
      "h3 is declared dead (its HA lease, epoch e3, is revoked), but disabling it was cut short (boom); " +
        "halted so far: none; run host-declare-dead h3 again to finish",
    );
    expect(declaredSoFar(undisabled)).toEqual({ leaseEpoch: "e3", disabled: false, halted: [] });
    const refused = new NothingChangedError(
      "FAILED_PRECONDITION",
      "cannot declare h3 dead: it is alive; nothing was changed",
    );
    expect(declaredSoFar(refused)).toBeUndefined();
  });
});
