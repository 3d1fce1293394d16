import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../core/clock.js";
import { Prng } from "../../core/prng.js";
import { Toolstack } from "../toolstack.js";
import { loadDomainConfig } from "../xlcfg/load.js";
import { blockDevices, ioTotals, networkDevices } from "./device-list.js";

function host(): { ts: Toolstack; clock: SimulatedClock } {
  const clock = new SimulatedClock();
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 2048, hvmCapable: true, cpuMhz: 2400 };
  return { ts: new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, clock, new Prng(5)), clock };
}

const CONFIG = [
  'name = "web"',
  'kernel = "/k"',
  "memory = 64",
  "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:02' ]",
  "disk = [ '/dev/vg/a,raw,xvda,rw' ]",
  'xsim_io = "net:tx=2MB/s,rx=1MB/s;disk:read=20iops,write=10iops"',
].join("\n");

describe("network and block device lists", () => {
  it("read what libxl reads from the frontends, and the devices' counters", () => {
    const { ts, clock } = host();
    const record = ts.create(loadDomainConfig(`${CONFIG}\n`, "web.cfg", [], new Prng(1)));
    for (let ms = 0; ms < 1000; ms += 10) {
      clock.advanceMs(10);
      ts.hypervisor.tick();
    }
    const nics = networkDevices(ts.store, ts.io, record);
    expect(nics.map((n) => [n.idx, n.mac, n.handle, n.state, n.backendPath])).toEqual([
      [0, "00:16:3e:00:00:01", 0, 4, `/local/domain/0/backend/vif/${record.domid}/0`],
      [1, "00:16:3e:00:00:02", 1, 4, `/local/domain/0/backend/vif/${record.domid}/1`],
    ]);
    expect(nics[0]!.txRingRef).toBeGreaterThanOrEqual(8);
    expect(nics[0]!.rxRingRef).toBe(nics[0]!.txRingRef + 1);
    expect(nics[0]!.stats.ops[0].requestCount).toBeGreaterThan(600); // 1 MB/s of 1500-byte packets each
    const disks = blockDevices(ts.store, ts.io, record);
    expect(disks.map((d) => [d.vdev, d.dev, d.frontendId, d.state])).toEqual([
      [51712, "xvda", record.domid, 4],
    ]);
    expect(disks[0]!.ringRef).toBeGreaterThanOrEqual(8);
    const totals = ioTotals(ts.io, record);
    expect(totals.netTxBytes).toBe(nics[0]!.stats.ops[0].byteCount + nics[1]!.stats.ops[0].byteCount);
    expect(totals.vbdReadRequests).toBeGreaterThanOrEqual(19);
    expect(totals.vbdWriteRequests).toBeGreaterThanOrEqual(9);
    expect([totals.nets, totals.vbds]).toEqual([2, 1]);
    const disk = disks[0]!.stats;
    expect(totals.vbdReadSectors).toBe(Math.floor(disk.ops[0].byteCount / 512));
    expect(totals.vbdWriteSectors).toBe(Math.floor(disk.ops[1].byteCount / 512));
    expect(totals.vbdOoRequests).toBe(disk.rings[0]!.ringFullCount);
  });

  it("show -1 for the rings of a frontend that has not connected, and zero counters", () => {
    const { ts } = host();
    const record = ts.create(loadDomainConfig(`${CONFIG}\n`, "web.cfg", [], new Prng(1)), { paused: true });
    const [nic] = networkDevices(ts.store, ts.io, record);
    expect([nic!.state, nic!.evtch, nic!.txRingRef, nic!.rxRingRef]).toEqual([1, -1, -1, -1]);
    expect(nic!.stats.ops[0].requestCount).toBe(0);
    expect(ioTotals(ts.io, record)).toMatchObject({ netTxBytes: 0, nets: 2, vbdReadSectors: 0 });
  });
});
