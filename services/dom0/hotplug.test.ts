import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { blockAttach, blockDetach, cdromChange, networkAttach, networkDetach } from "./hotplug.js";
import { XenbusState } from "../xenstore/paths.js";
import { blockDevices, networkDevices } from "./io/device-list.js";

const TICK_MS = 10;
const XVDB_DEVID = 51728; // docs/misc/vbd-interface.txt: 202 << 8 | 1 << 4
const HDC_DEVID = 5632; // 22 << 8

function newHost(): { ts: Toolstack; clock: SimulatedClock } {
  const clock = new SimulatedClock();
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 2048, hvmCapable: true, cpuMhz: 2400 };
  return { ts: new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, clock, new Prng(7)), clock };
}

function create(ts: Toolstack, name: string, extra: string[] = [], paused = false) {
  const text = [`name = "${name}"`, 'kernel = "/boot/vmlinuz"', "memory = 64", ...extra].join("\n");
  return ts.create(loadDomainConfig(`${text}\n`, `${name}.cfg`, [], new Prng(1)), { paused });
}

function run(ts: Toolstack, clock: SimulatedClock, durationMs: number): void {
  for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += TICK_MS) {
    clock.advanceMs(TICK_MS);
    ts.hypervisor.tick();
  }
}

/**
 * Every value written to `path`/state from now on, in order, by anyone (a spy on the store's writes:
 * the handshake runs inside one watch drain, so a watcher would only read the last value).
 */
function recordStates(ts: Toolstack, path: string): number[] {
  const states: number[] = [];
  const statePath = `${path}/state`;
  const note = (written: string, value: string) => {
    if (written === statePath) states.push(Number(value));
  };
  const store = ts.store;
  const write = store.write.bind(store);
  store.write = (written, value, ...rest) => {
    note(written, value);
    write(written, value, ...rest);
  };
  const transaction = store.transaction.bind(store);
  store.transaction = (fn, ...rest) =>
    transaction(
      (tx) => {
        const txWrite = tx.write.bind(tx);
        tx.write = (written, value) => {
          note(written, value);
          txWrite(written, value);
        };
        return fn(tx);
      },
      ...rest,
    );
  return states;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ToolstackError) return error.code;
    throw error;
  }
  return undefined;
}

describe("network-attach / network-detach", () => {
  it("runs the xenbus handshake to Connected and back through Closing to Closed", () => {
    const { ts } = newHost();
    const web = create(ts, "web", ["vif = [ '' ]"]);
    const be = "/local/domain/0/backend/vif/1/1";
    const fe = "/local/domain/1/device/vif/1";
    const backStates = recordStates(ts, be);
    const frontStates = recordStates(ts, fe);
    const added = networkAttach(ts, "web", ["mac=00:16:3e:aa:bb:cc", "bridge=xenbr1"]);
    expect(added.device.devid).toBe(1);
    expect(backStates).toEqual([XenbusState.Initialising, XenbusState.InitWait, XenbusState.Connected]);
    expect(frontStates).toEqual([XenbusState.Initialising, XenbusState.Initialised, XenbusState.Connected]);
    expect(ts.store.read(`${be}/bridge`)).toBe("xenbr1");
    expect(web.config.vifs.map((v) => v.mac)).toContain("00:16:3e:aa:bb:cc");
    const rows = networkDevices(ts.store, ts.io, web);
    expect(rows.map((r) => [r.idx, r.mac, r.state])).toEqual([
      [0, web.config.vifs[0]!.mac, XenbusState.Connected],
      [1, "00:16:3e:aa:bb:cc", XenbusState.Connected],
    ]);

    backStates.length = 0;
    frontStates.length = 0;
    const removed = networkDetach(ts, "web", "00:16:3E:AA:BB:CC");
    expect(removed.released).toBe(true);
    expect(backStates).toEqual([XenbusState.Closing, XenbusState.Closed]);
    expect(frontStates).toEqual([XenbusState.Closed]);
    expect(ts.store.exists(be)).toBe(false);
    expect(ts.store.exists(fe)).toBe(false);
    expect(networkDevices(ts.store, ts.io, web).map((r) => r.idx)).toEqual([0]);
  });

  it("a hot-plugged vif carries the domain's network load and shows it in its counters", () => {
    const { ts, clock } = newHost();
    const web = create(ts, "web", ["vif = [ '' ]", 'xsim_io = "net:tx=10MB/s"']);
    networkDetach(ts, "web", "0");
    networkAttach(ts, "web", []);
    run(ts, clock, 500);
    const [row] = networkDevices(ts.store, ts.io, web);
    expect(row?.stats.ops[0].byteCount).toBeGreaterThan(0);
  });

  it("a paused, never-booted guest connects the device when it boots", () => {
    const { ts } = newHost();
    create(ts, "web", [], true);
    const change = networkAttach(ts, "web", []);
    expect([change.backendState, change.frontendState]).toEqual([
      XenbusState.InitWait,
      XenbusState.Initialising,
    ]);
    ts.unpause("web");
    expect(ts.store.read("/local/domain/1/device/vif/0/state")).toBe(String(XenbusState.Connected));
  });

  it("detach of a device no frontend answers for is removed anyway, not released", () => {
    const { ts } = newHost();
    create(ts, "web", [], true);
    networkAttach(ts, "web", []);
    const removed = networkDetach(ts, "web", "0");
    expect(removed.released).toBe(false);
    expect(ts.store.exists("/local/domain/0/backend/vif/1/0")).toBe(false);
  });

  it("refuses unknown devices, duplicates and bad specs, changing nothing", () => {
    const { ts } = newHost();
    const web = create(ts, "web", ["vif = [ 'mac=00:16:3e:00:00:01' ]"]);
    const before = JSON.stringify(ts.store.snapshot("/"));
    expect(codeOf(() => networkDetach(ts, "web", "7"))).toBe("NOT_FOUND");
    expect(codeOf(() => networkDetach(ts, "web", "00:16:3e:00:00:09"))).toBe("NOT_FOUND");
    expect(codeOf(() => networkAttach(ts, "web", ["devid=0"]))).toBe("ALREADY_EXISTS");
    expect(codeOf(() => networkAttach(ts, "web", ["mac=00:16:3e:00:00:01"]))).toBe("ALREADY_EXISTS");
    expect(codeOf(() => networkAttach(ts, "web", ["colour=blue"]))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => networkAttach(ts, "nobody", []))).toBe("NOT_FOUND");
    expect(codeOf(() => networkAttach(ts, "Domain-0", []))).toBe("FAILED_PRECONDITION");
    expect(JSON.stringify(ts.store.snapshot("/"))).toBe(before);
    expect(web.config.vifs).toHaveLength(1);
  });
});

describe("block-attach / block-detach", () => {
  it("attaches a disk by xl-disk-configuration spec and detaches it by name or number", () => {
    const { ts } = newHost();
    const db = create(ts, "db", ["disk = [ '/dev/vg/db,raw,xvda,rw' ]"]);
    const added = blockAttach(ts, "db", ["format=raw", "vdev=xvdb", "access=ro", "target=/dev/vg/data"]);
    expect(added.device.devid).toBe(XVDB_DEVID);
    expect(added.backendState).toBe(XenbusState.Connected);
    const be = `/local/domain/0/backend/vbd/1/${XVDB_DEVID}`;
    expect([ts.store.read(`${be}/params`), ts.store.read(`${be}/mode`)]).toEqual(["/dev/vg/data", "r"]);
    expect(blockDevices(ts.store, ts.io, db).map((r) => r.dev)).toEqual(["xvda", "xvdb"]);
    expect(codeOf(() => blockAttach(ts, "db", ["/dev/vg/other,,xvdb"]))).toBe("ALREADY_EXISTS");
    blockDetach(ts, "db", String(XVDB_DEVID));
    expect(blockDevices(ts.store, ts.io, db).map((r) => r.dev)).toEqual(["xvda"]);
    expect(codeOf(() => blockDetach(ts, "db", "xvdb"))).toBe("NOT_FOUND");
    blockAttach(ts, "db", ["/dev/vg/data,,xvdb"]);
    expect(blockDetach(ts, "db", "xvdb").released).toBe(true);
  });

  it("refuses a spec without a vdev and a vdev xensim does not model", () => {
    const { ts } = newHost();
    create(ts, "db");
    expect(codeOf(() => blockAttach(ts, "db", ["/dev/vg/data"]))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => blockAttach(ts, "db", ["/dev/vg/data,,nvme0"]))).toBe("INVALID_ARGUMENT");
  });
});

describe("cd-insert / cd-eject", () => {
  it("changes an HVM guest's CD-ROM medium in the backend's params", () => {
    const { ts } = newHost();
    const win = create(ts, "win", ['type = "hvm"', "disk = [ ',raw,hdc,ro,devtype=cdrom' ]"]);
    cdromChange(ts, "win", "hdc", "/iso/debian.iso");
    const be = `/local/domain/0/backend/vbd/1/${HDC_DEVID}`;
    expect(ts.store.read(`${be}/params`)).toBe("/iso/debian.iso");
    expect(win.config.disks[0]?.target).toBe("/iso/debian.iso");
    cdromChange(ts, "win", "hdc", "");
    expect(ts.store.read(`${be}/params`)).toBe("");
    expect(codeOf(() => cdromChange(ts, "win", "hdd", "/iso/x.iso"))).toBe("NOT_FOUND");
  });

  it("refuses a PV guest and a drive that is not a CD-ROM", () => {
    const { ts } = newHost();
    create(ts, "pv", ["disk = [ ',raw,xvdc,ro,devtype=cdrom' ]"]);
    expect(codeOf(() => cdromChange(ts, "pv", "xvdc", "/iso/x.iso"))).toBe("FAILED_PRECONDITION");
    create(ts, "hvm", ['type = "hvm"', "disk = [ '/dev/vg/h,raw,hda,rw' ]"]);
    expect(codeOf(() => cdromChange(ts, "hvm", "hda", "/iso/x.iso"))).toBe("NOT_FOUND");
  });
});
