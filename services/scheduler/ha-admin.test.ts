import { describe, expect, it } from "vitest";
import { disableHa, enableHa } from "./ha-admin.js";
import { MemoryStatefile } from "../transport/bus/memory-statefile.js";
import { HA_CONFIG_KEY, HA_CONFIG_OFF, parseHaConfig, type LeaseValue } from "../contracts/lease.js";
import type { ObservedLease } from "./ha-lease-observer.js";

const lease = (hostId: string, state: "live" | "revoked" = "live"): LeaseValue => ({
  hostId,
  address: "",
  epoch: "e",
  state,
  sees: [],
});
const observed = (hostId: string, sinceMs: number): ObservedLease => ({
  hostId,
  lease: lease(hostId),
  revision: 1,
  sinceMs,
  confirmed: true,
});

describe("ha-enable (docs/specs/ha.md §1)", () => {
  it("writes the setting with T, and refuses T of 10 s or less without --allow-short-timeout", async () => {
    const statefile = new MemoryStatefile();
    const current = { config: HA_CONFIG_OFF, leases: [], nowMs: 0 };
    await expect(
      enableHa(statefile, { timeoutMs: 10_000, allowShortTimeout: false }, current),
    ).rejects.toThrow(/more than 10 s/);
    expect(await statefile.read(HA_CONFIG_KEY)).toBeUndefined();
    await enableHa(statefile, { timeoutMs: 0, allowShortTimeout: false }, current);
    expect(parseHaConfig((await statefile.read(HA_CONFIG_KEY))?.value)).toEqual({
      enabled: true,
      timeoutMs: 30_000,
    });
  });

  it("refuses while a host's lease is not renewed, and a new T while enabled", async () => {
    const statefile = new MemoryStatefile();
    const stale = {
      config: HA_CONFIG_OFF,
      leases: [observed("h1", 0), observed("h2", 99_000)],
      nowMs: 100_000,
    };
    await expect(enableHa(statefile, { timeoutMs: 3000, allowShortTimeout: true }, stale)).rejects.toThrow(
      /lease of h1 is not being renewed/,
    );
    const on = { config: { enabled: true, timeoutMs: 3000 }, leases: [], nowMs: 0 };
    await expect(enableHa(statefile, { timeoutMs: 5000, allowShortTimeout: true }, on)).rejects.toThrow(
      /ha-disable first/,
    );
    expect(await statefile.read(HA_CONFIG_KEY)).toBeUndefined();
  });
});

describe("ha-enable with a lease not seen renewed (docs/specs/ha.md §1)", () => {
  it("refuses a live lease that is unconfirmed, naming its host, and writes nothing", async () => {
    const statefile = new MemoryStatefile();
    const current = {
      config: HA_CONFIG_OFF,
      leases: [observed("h1", 9_000), { ...observed("h2", 8_000), confirmed: false }],
      nowMs: 10_000,
    };
    await expect(enableHa(statefile, { timeoutMs: 3000, allowShortTimeout: true }, current)).rejects.toThrow(
      /^cannot enable HA: the lease of h2 is unconfirmed: the scheduler has not seen it renewed since it began observing \(2\.0 s ago\) and its host did not answer under it; nothing was changed$/,
    );
    expect(await statefile.read(HA_CONFIG_KEY)).toBeUndefined();
  });
});

describe("the HA setting's write that the store does not answer", () => {
  it("is said to have taken effect or not, for ha-enable and ha-disable alike, never as a bare store error", async () => {
    const statefile = new MemoryStatefile();
    statefile.unreachable = true;
    const current = { config: HA_CONFIG_OFF, leases: [], nowMs: 0 };
    await expect(enableHa(statefile, { timeoutMs: 0, allowShortTimeout: false }, current)).rejects.toThrow(
      /^cannot enable HA: the state store did not answer the write of the setting \(.+\): it may have taken effect or not; run ha-enable again$/,
    );
    await expect(disableHa(statefile, { enabled: true, timeoutMs: 30_000 })).rejects.toThrow(
      /^cannot disable HA: the state store did not answer the write of the setting \(.+\): it may have taken effect or not; run ha-disable again$/,
    );
  });
});
