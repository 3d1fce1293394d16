import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../clock.js";
import { Hypervisor } from "../hypervisor.js";
import { Prng } from "../prng.js";
import { KIB } from "../units.js";
import { DomainIoTables } from "./io-tables.js";

describe("DomainIoTables", () => {
  it("sizes a domain's grant table from max_grant_frames before anything is granted", () => {
    const io = new DomainIoTables();
    io.setGrantFrameCountMax(4, 2);
    expect(io.grantTable(4).entryCountMax).toBe(2 * 512 - 8);
    io.grantTable(4).grantAccess(0, 1, false);
    expect(() => io.setGrantFrameCountMax(4, 8)).toThrow("in use");
  });

  it("goes with the domain: the hypervisor releases its tables, and Dom0's end of a channel unbinds", () => {
    const hypervisor = new Hypervisor(
      { hostId: "h", pcpuCount: 2, memoryMib: 512, hvmCapable: true, cpuMhz: 2400 },
      new SimulatedClock(),
      new Prng(1),
    );
    hypervisor.bootDom0({ memoryMib: 128, vcpus: 1 }, "00000000-0000-0000-0000-000000000000");
    const spec = { uuid: "00000000-0000-0000-0000-000000000001", type: "pv" as const, memoryKib: 16 * KIB };
    const domain = hypervisor.createDomain({
      ...spec,
      maxmemKib: 16 * KIB,
      vcpus: 1,
      maxvcpus: 1,
      weight: 256,
      cap: 0,
      workload: "idle",
    });
    const guestPort = hypervisor.io.eventChannels(domain.domid).allocUnbound(0)!;
    const dom0Port = hypervisor.io
      .eventChannels(0)
      .bindInterdomain(hypervisor.io.eventChannels(domain.domid), guestPort);
    hypervisor.io.grantTable(domain.domid).grantAccess(0, 3, false);
    hypervisor.destroyDomain(domain.domid);
    expect(hypervisor.io.eventChannels(0).isBound(dom0Port)).toBe(false);
    expect(hypervisor.io.grantTable(domain.domid).entryCountInUse).toBe(0);
  });

  it("tells tick listeners how long the tick was and what CPU each domain got", () => {
    const clock = new SimulatedClock();
    const hypervisor = new Hypervisor(
      { hostId: "h", pcpuCount: 1, memoryMib: 256, hvmCapable: true, cpuMhz: 2400 },
      clock,
      new Prng(1),
    );
    hypervisor.bootDom0({ memoryMib: 64, vcpus: 1 }, "00000000-0000-0000-0000-000000000000");
    hypervisor.setCpuDemand(0, "cpu");
    const seen: Array<[number, number]> = [];
    hypervisor.onTick((elapsedNs, shares) => seen.push([elapsedNs, shares.get(0)!.cpuNs]));
    clock.advanceMs(10);
    hypervisor.tick();
    expect(seen).toEqual([[10_000_000, 10_000_000]]);
  });
});
