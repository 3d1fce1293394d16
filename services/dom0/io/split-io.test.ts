import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../core/clock.js";
import { Prng } from "../../core/prng.js";
import type { HostSpec } from "../../core/host-spec.js";
import { Toolstack, type DomainRecord } from "../toolstack.js";
import { loadDomainConfig } from "../xlcfg/load.js";
import { averageLatencyNs } from "./io-counters.js";
import type { IoDeviceStats } from "./io-device.js";

const TICK_MS = 10;
const XVDA = 51712;
const IO = "net:tx=20MB/s,rx=5MB/s;disk:read=100iops,write=50iops,size=4K";

interface Host {
  ts: Toolstack;
  clock: SimulatedClock;
}

function host(spec: Partial<HostSpec> = {}, dom0Vcpus = 2): Host {
  const clock = new SimulatedClock();
  const hostSpec: HostSpec = {
    hostId: "h1",
    pcpuCount: 4,
    memoryMib: 4096,
    hvmCapable: true,
    cpuMhz: 2400,
    ...spec,
  };
  return { ts: new Toolstack(hostSpec, { memoryMib: 512, vcpus: dom0Vcpus }, clock, new Prng(11)), clock };
}

function guest(h: Host, name: string, lines: string[], options: { paused?: boolean } = {}): DomainRecord {
  const text = [
    `name = "${name}"`,
    'kernel = "/boot/vmlinuz"',
    "memory = 64",
    "vif = [ '' ]",
    "disk = [ '/dev/vg/guest,raw,xvda,rw' ]",
    ...lines,
  ].join("\n");
  return h.ts.create(loadDomainConfig(`${text}\n`, `${name}.cfg`, [], new Prng(1)), options);
}

function run(h: Host, durationMs: number): void {
  for (let ms = 0; ms < durationMs; ms += TICK_MS) {
    h.clock.advanceMs(TICK_MS);
    h.ts.hypervisor.tick();
  }
}

function stats(h: Host, record: DomainRecord, kind: "vif" | "vbd"): IoDeviceStats {
  return h.ts.io.deviceStats(record.domid, kind, kind === "vif" ? 0 : XVDA)!;
}

function requestCount(h: Host, record: DomainRecord): number {
  let count = 0;
  for (const kind of ["vif", "vbd"] as const)
    for (const op of stats(h, record, kind).ops) count += op.requestCount;
  return count;
}

/** Dom0 CPU time over `durationMs` of running, and the requests the guest's devices completed in it. */
function measure(h: Host, record: DomainRecord, durationMs: number): { dom0CpuNs: number; requests: number } {
  run(h, 1000); // the backends settle in
  const dom0 = h.ts.hypervisor.requireDomain(0);
  const cpuBeforeNs = dom0.cpuTimeNs;
  const requestsBefore = requestCount(h, record);
  run(h, durationMs);
  return { dom0CpuNs: dom0.cpuTimeNs - cpuBeforeNs, requests: requestCount(h, record) - requestsBefore };
}

describe("split-driver I/O through Dom0", () => {
  it("connects a PV guest's rings through real grants and event channels", () => {
    const h = host();
    const g = guest(h, "web", [`xsim_io = "${IO}"`]);
    const fe = `/local/domain/${g.domid}/device/vif/0`;
    expect(h.ts.store.read(`${fe}/state`)).toBe("4");
    const txRef = Number(h.ts.store.read(`${fe}/tx-ring-ref`));
    expect(txRef).toBeGreaterThanOrEqual(8); // past GNTTAB_NR_RESERVED_ENTRIES
    const grants = h.ts.hypervisor.io.grantTable(g.domid);
    expect(grants.mapCountTotal).toBe(3); // tx + rx ring pages, one blkif ring page
    const port = Number(h.ts.store.read(`${fe}/event-channel`));
    expect(h.ts.hypervisor.io.eventChannels(g.domid).isBound(port)).toBe(true);
    expect(stats(h, g, "vif").mode).toBe("pv");
    expect(stats(h, g, "vbd").rings[0]!.slotCount).toBe(32);
  });

  it("serves the guest's load and charges it to Dom0's vCPUs", () => {
    const busy = host();
    const g = guest(busy, "web", [`xsim_io = "${IO}"`]);
    const idle = host();
    const quiet = guest(idle, "web", []);
    const withIo = measure(busy, g, 4000);
    const without = measure(idle, quiet, 4000);
    const vif = stats(busy, g, "vif");
    // 20 MB/s of 1500-byte packets for 5 s, all served.
    expect(vif.ops[0].requestCount).toBeGreaterThan(0.99 * ((20e6 / 1500) * 5));
    expect(vif.ops[0].byteCount).toBe(vif.ops[0].requestCount * 1500);
    expect(stats(busy, g, "vbd").ops[1].requestCount).toBeGreaterThanOrEqual(249);
    expect(without.requests).toBe(0);
    const servedNs = vif.ops[0].dom0CpuNs * (4 / 5); // about what the 4 measured seconds took
    expect(withIo.dom0CpuNs - without.dom0CpuNs).toBeGreaterThan(servedNs);
    expect(busy.ts.io.dom0CpuNsUsed).toBeLessThanOrEqual(busy.ts.hypervisor.requireDomain(0).cpuTimeNs);
  });

  it("makes an HVM guest without PV drivers cost Dom0 more CPU per request, at higher latency", () => {
    const pvHost = host();
    const pv = guest(pvHost, "g", [`xsim_io = "${IO}"`]);
    const hvmHost = host();
    const hvm = guest(hvmHost, "g", ['type = "hvm"', `xsim_io = "${IO}"`]);
    const pvFigures = measure(pvHost, pv, 4000);
    const hvmFigures = measure(hvmHost, hvm, 4000);
    expect(hvmFigures.requests).toBeGreaterThan(0.98 * pvFigures.requests); // the same load went through
    const pvCpuPerRequest = pvFigures.dom0CpuNs / pvFigures.requests;
    const hvmCpuPerRequest = hvmFigures.dom0CpuNs / hvmFigures.requests;
    expect(hvmCpuPerRequest).toBeGreaterThan(3 * pvCpuPerRequest);
    for (const kind of ["vif", "vbd"] as const) {
      expect(stats(hvmHost, hvm, kind).mode).toBe("emulated");
      for (const op of [0, 1]) {
        const pvLatency = averageLatencyNs(stats(pvHost, pv, kind).ops[op]!);
        expect(averageLatencyNs(stats(hvmHost, hvm, kind).ops[op]!), `${kind} op ${op}`).toBeGreaterThan(
          pvLatency,
        );
      }
    }
    // No PV drivers: the frontends never leave Initialising; QEMU serves the emulated devices.
    expect(hvmHost.ts.store.read(`/local/domain/${hvm.domid}/device/vif/0/state`)).toBe("1");
  });

  it("takes a configured emulation cost for the devices it builds from then on", () => {
    const cpuPerPacket = (factor: number) => {
      const h = host();
      h.ts.io.setCosts({ emulatedCpuFactor: factor });
      const g = guest(h, "g", ['type = "hvm"', `xsim_io = "${IO}"`]);
      run(h, 500);
      const tx = stats(h, g, "vif").ops[0];
      return tx.dom0CpuNs / tx.requestCount;
    };
    expect(cpuPerPacket(12) / cpuPerPacket(6)).toBeCloseTo(2, 3);
    expect(() => host().ts.io.setCosts({ emulatedCpuFactor: 0.5 })).toThrow("cheaper than PV");
  });

  it("connects an HVM guest's PV drivers when it has them", () => {
    const h = host();
    const g = guest(h, "g", ['type = "hvm"', "xsim_pv_drivers = 1", `xsim_io = "${IO}"`]);
    expect(stats(h, g, "vif").mode).toBe("pv");
    expect(h.ts.store.read(`/local/domain/${g.domid}/device/vbd/${XVDA}/state`)).toBe("4");
  });

  it("fills the ring when Dom0 is starved of CPU, and not when it is not", () => {
    const figures = (dom0Cap: number) => {
      const h = host({ pcpuCount: 1 }, 1);
      const g = guest(h, "g", ['xsim_io = "net:tx=40MB/s"']);
      guest(h, "hog", ['xsim_workload = "uniform:rate=1000"', "vif = []", "disk = []"]);
      h.ts.hypervisor.setSchedParams(0, { cap: dom0Cap });
      run(h, 3000);
      return { tx: stats(h, g, "vif").rings[0]!, served: stats(h, g, "vif").ops[0].requestCount };
    };
    const starved = figures(5);
    const fed = figures(0);
    expect(fed.tx.ringFullCount).toBeLessThanOrEqual(1); // at most the first tick, before Dom0 asks for CPU
    expect(fed.tx.overflowCount).toBe(0);
    expect(starved.tx.ringFullCount).toBeGreaterThan(fed.tx.ringFullCount);
    expect(starved.tx.overflowCount).toBeGreaterThan(0);
    expect(starved.served).toBeLessThan(fed.served / 2);
  });

  it("stops at max_grant_frames when requests hold every grant entry", () => {
    const h = host({ pcpuCount: 1 }, 1);
    const vif = "vif = [ 'mtu=9000' ]"; // 3 pages per packet: 85 packets fill a 256-slot ring
    const g = guest(h, "g", [vif, "max_grant_frames = 1", 'xsim_io = "net:tx=100MB/s,rx=100MB/s"']);
    h.ts.hypervisor.setSchedParams(0, { cap: 1 });
    run(h, 1000);
    const grants = h.ts.hypervisor.io.grantTable(g.domid);
    expect(grants.entryCountMax).toBe(504);
    expect(grants.entryCountInUse).toBeLessThanOrEqual(grants.entryCountMax);
    const rings = stats(h, g, "vif").rings;
    expect(rings[0]!.grantExhaustedCount + rings[1]!.grantExhaustedCount).toBeGreaterThan(0);
  });

  it("starts a migrated guest's counters from zero on the new backend, once the frontend reconnects", () => {
    const source = host();
    const destination = host({ hostId: "h2" });
    const g = guest(source, "web", [`xsim_io = "${IO}"`]);
    run(source, 500);
    expect(requestCount(source, g)).toBeGreaterThan(0);
    const incoming = destination.ts.create(
      { ...g.config, uuid: g.uuid },
      { paused: true, nameOverride: "web--incoming" },
    );
    expect(destination.ts.io.deviceStats(incoming.domid, "vif", 0)).toBeUndefined(); // no rings until the guest runs
    source.ts.hypervisor.pauseDomain(g.domid);
    destination.ts.rename(String(incoming.domid), "web");
    destination.ts.unpause(String(incoming.domid));
    source.ts.destroyMigratedAway(g, "h2", "web");
    expect(requestCount(destination, incoming)).toBe(0);
    expect(source.ts.hypervisor.io.eventChannels(0).portCountInUse).toBe(0);
    run(destination, 500);
    expect(requestCount(destination, incoming)).toBeGreaterThan(0);
    expect(stats(destination, incoming, "vif").rings[0]!.notifyToBackendCount).toBeGreaterThan(0);
  });
});
