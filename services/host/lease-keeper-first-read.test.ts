import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { HA_FIRST_READ_WAIT_MS, LeaseKeeper } from "./lease-keeper.js";
import type { Statefile } from "../contracts/statefile.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { HA_CONFIG_KEY } from "../contracts/lease.js";

/** A statefile whose every call waits until `open()` (a broker not reached yet), or fails once `refuse()`d. */
function gatedStatefile(inner: Statefile) {
  let opened = false;
  const waiting: Array<() => void> = [];
  const gate = <T>(fn: () => Promise<T>) =>
    opened ? fn() : new Promise<void>((resolve) => waiting.push(resolve)).then(fn);
  const statefile: Statefile = {
    read: (key) => gate(() => inner.read(key)),
    readAll: (prefix) => gate(() => inner.readAll(prefix)),
    put: (key, value) => gate(() => inner.put(key, value)),
    update: (key, value, revision) => gate(() => inner.update(key, value, revision)),
    create: (key, value) => gate(() => inner.create(key, value)),
    remove: (key) => gate(() => inner.remove(key)),
    watch: (key, onChange) => inner.watch(key, onChange),
  };
  return {
    statefile,
    open: () => {
      opened = true;
      for (const go of waiting.splice(0)) go();
    },
  };
}

async function startKeeper() {
  const clock = new SimulatedClock();
  const inner = new MemoryStatefile();
  await inner.put(HA_CONFIG_KEY, JSON.stringify({ enabled: true, timeoutMs: 3000 }));
  const gated = gatedStatefile(inner);
  const keeper = new LeaseKeeper({
    hostId: "h1",
    address: () => "h1:1",
    clock,
    statefile: gated.statefile,
    ping: () => Promise.resolve(undefined),
    guests: { hold: () => [], release: () => [], fence: () => [] },
    log: () => undefined,
    epoch: "e1",
  });
  keeper.start();
  return { clock, keeper, open: gated.open };
}

/** Lets the clock run until `promise` settles or `maxMs` passed; whether it settled. */
async function settlesWithin(clock: SimulatedClock, promise: Promise<void>, maxMs: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let t = 0; t < maxMs && !settled; t += 100) {
    clock.advanceMs(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return settled;
}

describe("a host's first read of the HA setting, which a create of a protected guest waits for (bounded)", () => {
  it("a create right after the start waits for the first read and the lease, then is admitted", async () => {
    const { clock, keeper, open } = await startKeeper();
    expect(keeper.protectedRefusal()).toMatch(/has not read the cluster's HA setting/);
    const ready = keeper.firstRead();
    expect(await settlesWithin(clock, ready, 1000), "still waiting while the store is silent").toBe(false);
    open();
    expect(await settlesWithin(clock, ready, 2000)).toBe(true);
    expect(keeper.protectedRefusal()).toBeUndefined();
  });

  it("the store silent past the bound: the wait ends at the bound and the refusal says why", async () => {
    const { clock, keeper } = await startKeeper();
    const ready = keeper.firstRead();
    expect(await settlesWithin(clock, ready, HA_FIRST_READ_WAIT_MS - 200)).toBe(false);
    expect(await settlesWithin(clock, ready, 400)).toBe(true);
    expect(keeper.protectedRefusal()).toBe(
      "it has not read the cluster's HA setting from the state store yet",
    );
    // Past the bound a create no longer waits at all.
    expect(await settlesWithin(clock, keeper.firstRead(), 100)).toBe(true);
  });
});
