import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { MemoryStore } from "../contracts/state-store.js";
import { LEASE_RENEW_INTERVAL_MS, LEASE_TIMEOUT_MS, LeaderLease } from "./leader-lease.js";

/** Two schedulers on one store and clock; `tick` runs one renew/watch round of each that is alive. */
function pair() {
  const clock = new SimulatedClock();
  const store = new MemoryStore();
  const a = new LeaderLease(clock, store, { holderId: "a", address: "a:1" });
  const b = new LeaderLease(clock, store, { holderId: "b", address: "b:1" });
  return { clock, store, a, b };
}

async function rounds(clock: SimulatedClock, leases: LeaderLease[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (const lease of leases) await lease.tick().catch(() => undefined);
    clock.advanceMs(LEASE_RENEW_INTERVAL_MS);
  }
}

describe("the scheduler's leader lease", () => {
  it("has exactly one active holder while it renews", async () => {
    const { clock, a, b } = pair();
    await rounds(clock, [a, b], 20);
    expect([a.active, b.active]).toEqual([true, false]);
    expect(b.holder?.address).toBe("a:1");
  });

  it("passes to the standby once the holder stops renewing, not before the timeout", async () => {
    const { clock, a, b } = pair();
    await rounds(clock, [a, b], 3);
    const deadAtMs = clock.nowMs() - LEASE_RENEW_INTERVAL_MS; // a's last renewal
    let takenAtMs = -1;
    for (let i = 0; i < 20 && takenAtMs < 0; i++) {
      await b.tick();
      if (b.active) takenAtMs = clock.nowMs();
      clock.advanceMs(LEASE_RENEW_INTERVAL_MS);
    }
    expect(takenAtMs - deadAtMs).toBeGreaterThanOrEqual(LEASE_TIMEOUT_MS);
    expect(takenAtMs - deadAtMs).toBeLessThanOrEqual(LEASE_TIMEOUT_MS + 2 * LEASE_RENEW_INTERVAL_MS);
    expect(a.active, "the old holder, silent, stopped counting itself active").toBe(false);
    await a.tick();
    expect([a.active, b.active], "back, it finds the lease taken").toEqual([false, true]);
  });

  it("keeps one holder through a store outage longer than the timeout", async () => {
    const { clock, store, a, b } = pair();
    await rounds(clock, [a, b], 3);
    store.unavailable = true;
    await rounds(clock, [a, b], 10);
    expect([a.active, b.active], "nobody acts while nobody can renew").toEqual([false, false]);
    store.unavailable = false;
    await rounds(clock, [b, a], 3);
    expect([a.active, b.active].filter(Boolean)).toHaveLength(1);
  });

  it("is taken back at once by a restart of the same scheduler (same id)", async () => {
    const { clock, store, a } = pair();
    await rounds(clock, [a], 2);
    const again = new LeaderLease(clock, store, { holderId: "a", address: "a:1" });
    await again.tick();
    expect(again.active).toBe(true);
  });
});
