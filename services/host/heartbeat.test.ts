import { describe, expect, it } from "vitest";
import { DOMID_DOM0 } from "../core/units.js";
import type { HeartbeatCpupool } from "../contracts/heartbeat.js";
import * as cpupool from "../dom0/cpupool.js";
import type { Toolstack } from "../dom0/toolstack.js";
import { cpupoolTestGuest, cpupoolTestHost } from "../dom0/cpupool-fixture.js";
import { HeartbeatCpupools, buildHeartbeat, frozenHeartbeat } from "./heartbeat.js";

const newHost = cpupoolTestHost;
const guest = (ts: Toolstack, name: string, extra = ""): void => void cpupoolTestGuest(ts, name, extra);

/** The pools as the heartbeat showed them before it kept any: everything read afresh. */
function poolsAfresh(ts: Toolstack): HeartbeatCpupool[] {
  return cpupool.listCpupools(ts).map((pool) => {
    let vcpusAllocated = 0;
    for (const record of ts.records.values())
      if (record.domid !== DOMID_DOM0 && ts.hypervisor.domainCpupool(record.domid) === pool.poolId)
        vcpusAllocated += ts.domainOf(record).vcpusOnline;
    return { name: pool.name, pcpus: pool.cpus.length, vcpusAllocated };
  });
}

/** Every way the heartbeat's pools change: pools, pCPUs, names, domains and their vCPUs. */
const CHANGES: [string, (ts: Toolstack) => void][] = [
  ["a pCPU leaves Pool-0", (ts) => cpupool.removeCpupoolCpus(ts, "Pool-0", [6, 7])],
  [
    "a pool is created",
    (ts) => void cpupool.createCpupool(ts, { name: "fast", scheduler: "credit", cpus: [6] }),
  ],
  ["a pCPU joins a pool", (ts) => void cpupool.addCpupoolCpus(ts, "fast", [7])],
  ["a pool is renamed", (ts) => void cpupool.renameCpupool(ts, "fast", "quick")],
  ["a guest starts in a pool", (ts) => guest(ts, "g1", 'pool = "quick"')],
  ["a guest starts in Pool-0", (ts) => guest(ts, "g2")],
  ["a guest moves between pools", (ts) => void cpupool.migrateToCpupool(ts, "g2", "quick")],
  ["a guest's vCPUs go offline", (ts) => void ts.vcpuSet("g1", 1)],
  ["a pool's name is written in xenstore", (ts) => ts.store.write(`${cpupool.cpupoolPath(0)}/name`, "Main")],
  ["a guest is destroyed", (ts) => void ts.destroy("g1")],
  ["a guest moves back", (ts) => void cpupool.migrateToCpupool(ts, "g2", "Main")],
  ["a pool is destroyed", (ts) => void cpupool.destroyCpupool(ts, "quick")],
];

describe("HeartbeatCpupools", () => {
  it("shows after every pool change what reading everything afresh shows, and a new array", () => {
    const ts = newHost();
    const pools = new HeartbeatCpupools();
    let before = pools.of(ts);
    expect(before).toEqual(poolsAfresh(ts));
    for (const [what, change] of CHANGES) {
      const version = ts.hypervisor.cpupools.cpupoolVersion;
      const expected = poolsAfresh(ts);
      change(ts);
      const after = pools.of(ts);
      expect(after, what).toEqual(poolsAfresh(ts));
      expect(after, what).not.toEqual(expected);
      expect(after, what).not.toBe(before);
      if (!what.includes("xenstore") && !what.includes("renamed") && !what.includes("vCPUs"))
        expect(ts.hypervisor.cpupools.cpupoolVersion, what).toBeGreaterThan(version);
      before = after;
    }
  });

  it("shows what reading afresh shows, twice over, as guests come and go in unchanged pools", () => {
    const ts = newHost();
    const pools = new HeartbeatCpupools();
    const steps: [string, (ts: Toolstack) => void][] = [
      ["nothing yet", () => undefined],
      ["a guest starts", (ts) => guest(ts, "g1")],
      ["a guest's vCPUs go offline", (ts) => void ts.vcpuSet("g1", 1)],
      ["the guest is destroyed", (ts) => void ts.destroy("g1")],
      ["a guest starts again", (ts) => guest(ts, "g2")],
      ["it is destroyed too", (ts) => void ts.destroy("g2")],
      ...CHANGES,
    ];
    for (const [what, change] of steps) {
      change(ts);
      const first = pools.of(ts);
      expect(first, what).toEqual(poolsAfresh(ts));
      expect(pools.of(ts), what).toBe(first);
    }
  });

  it("counts a guest that appears with neither the pools nor xenstore changed (the no-guest shortcut ends)", () => {
    const ts = newHost();
    guest(ts, "g1");
    const dom0Only = new Map([...ts.records].filter(([domid]) => domid === DOMID_DOM0));
    // The host as it was before g1, with the same pools and xenstore: g1 appears on its own.
    const before = Object.create(ts, { records: { value: dom0Only } }) as Toolstack;
    const pools = new HeartbeatCpupools();
    pools.of(before);
    expect(pools.of(before)[0]!.vcpusAllocated).toBe(0);
    expect(pools.of(ts)).toEqual(poolsAfresh(ts));
    expect(poolsAfresh(ts)[0]!.vcpusAllocated).toBeGreaterThan(0);
  });

  it("shows numa-split's pools (every pool renamed, created and filled at once)", () => {
    const ts = newHost();
    const pools = new HeartbeatCpupools();
    pools.of(ts);
    cpupool.numaSplit(ts);
    expect(pools.of(ts)).toEqual(poolsAfresh(ts));
  });

  it("gives the same frozen array while nothing changed, and keeps the pools that did not change", () => {
    const ts = newHost();
    cpupool.removeCpupoolCpus(ts, "Pool-0", [6, 7]);
    cpupool.createCpupool(ts, { name: "fast", scheduler: "credit", cpus: [6, 7] });
    const pools = new HeartbeatCpupools();
    const first = pools.of(ts);
    expect(Object.isFrozen(first) && first.every((pool) => Object.isFrozen(pool))).toBe(true);
    expect(pools.of(ts)).toBe(first);
    guest(ts, "g1", 'pool = "fast"');
    const second = pools.of(ts);
    expect(second[0]).toBe(first[0]); // Pool-0 unchanged
    expect(second[1]).toEqual({ name: "fast", pcpus: 2, vcpusAllocated: 2 });
    expect(pools.of(ts)).toBe(second);
  });

  it("is what buildHeartbeat puts in the heartbeat, with or without one kept", () => {
    const ts = newHost();
    const pools = new HeartbeatCpupools();
    const beat = (kept?: HeartbeatCpupools) =>
      buildHeartbeat(ts, "h1:1", 0, 1000, { outbound: 0, inbound: 0 }, 0, 1, kept);
    expect(beat(pools)).toEqual(beat());
    expect(beat(pools).cpupools).toBe(beat(pools).cpupools);
  });
});

describe("frozenHeartbeat", () => {
  const frozen = (ts: Toolstack, pools: HeartbeatCpupools, timeMs: number, listVersion?: number) =>
    frozenHeartbeat(ts, "sim://h1", 3, 1000, 0, 0, timeMs, listVersion, pools);

  /** Every object in `value` is frozen. */
  const deepFrozen = (value: unknown): boolean =>
    typeof value !== "object" ||
    value === null ||
    (Object.isFrozen(value) && Object.values(value).every(deepFrozen));

  it("is buildHeartbeat's heartbeat, what JSON.parse of its text gives, deep-frozen and in place", () => {
    const ts = newHost();
    guest(ts, "g1");
    const pools = new HeartbeatCpupools();
    const beat = frozen(ts, pools, 1234.5, 7);
    expect(beat).toEqual(buildHeartbeat(ts, "sim://h1", 3, 1000, { outbound: 0, inbound: 0 }, 1234.5, 7));
    expect(beat).toStrictEqual(JSON.parse(JSON.stringify(beat)));
    expect(deepFrozen(beat)).toBe(true);
    expect(beat.cpupools).toBe(pools.of(ts)); // the pools' frozen array, shared, not copied
  });

  it("cannot be changed by a subscriber: writes to it or to its pools throw", () => {
    const ts = newHost();
    const beat = frozen(ts, new HeartbeatCpupools(), 1, 1);
    expect(() => {
      (beat as { sequence: number }).sequence = 9;
    }).toThrow(TypeError);
    expect(() => {
      beat.cpupools![0]!.pcpus = 0;
    }).toThrow(TypeError);
    expect(() => beat.cpupools!.push({ name: "x", pcpus: 1, vcpusAllocated: 0 })).toThrow(TypeError);
  });

  it("is a frozen copy, as JSON would give it, when a field is not what JSON.parse gives", () => {
    const ts = newHost();
    const pools = new HeartbeatCpupools();
    for (const timeMs of [-0, Number.NaN, Number.POSITIVE_INFINITY]) {
      const beat = frozen(ts, pools, timeMs, 1);
      expect(beat, String(timeMs)).toStrictEqual(JSON.parse(JSON.stringify(beat)));
      expect(Object.is(beat.timeMs, -0)).toBe(false);
      expect(deepFrozen(beat)).toBe(true);
    }
    const withoutVersion = frozen(ts, pools, 1);
    expect(Object.hasOwn(withoutVersion, "listVersion")).toBe(false);
    expect(withoutVersion).toStrictEqual(JSON.parse(JSON.stringify(withoutVersion)));
  });
});
