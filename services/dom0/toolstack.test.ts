import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Hypervisor } from "../core/hypervisor.js";
import { XenError } from "../core/errors.js";
import type { HostSpec } from "../core/host-spec.js";
import { PAGE_SIZE_BYTES, KIB } from "../core/units.js";
import { DOM0_NAME, Toolstack, type DomainRecord } from "./toolstack.js";
import { ToolstackError, type ToolstackErrorCode } from "./errors.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { GUEST_SHUTDOWN_DELAY_MS } from "./guest-agent.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import type { DomainConfig } from "./xlcfg/domain-config.js";

const HOST_MEMORY_MIB = 2048;
const DOM0 = { memoryMib: 256, vcpus: 1 };
const TICK_STEP_MS = 10;
const XENBUS_INIT_WAIT = "2";
const XENBUS_INITIALISING = "1";
const XENBUS_CONNECTED = "4";
const XVDA_DEVID = 51712; // docs/misc/vbd-interface.txt: 202 << 8

function hostSpec(overrides: Partial<HostSpec> = {}): HostSpec {
  return {
    hostId: "h1",
    pcpuCount: 4,
    memoryMib: HOST_MEMORY_MIB,
    hvmCapable: true,
    cpuMhz: 2400,
    ...overrides,
  };
}

function newHost(seed = 7, spec: Partial<HostSpec> = {}): { ts: Toolstack; clock: SimulatedClock } {
  const clock = new SimulatedClock();
  return { ts: new Toolstack(hostSpec(spec), DOM0, clock, new Prng(seed)), clock };
}

/** A PV guest with one vif and one xvda disk; extra lines and xl-style overrides on top. */
function guestConfig(name: string, extra: string[] = [], overrides: string[] = []): DomainConfig {
  const text = [
    `name = "${name}"`,
    'kernel = "/boot/vmlinuz"',
    "memory = 64",
    "vcpus = 1",
    "vif = [ 'bridge=xenbr0' ]",
    "disk = [ '/dev/vg/guest,raw,xvda,rw' ]",
    ...extra,
  ].join("\n");
  return loadDomainConfig(`${text}\n`, `${name}.cfg`, overrides, new Prng(1));
}

/** Advances simulated time in small steps, running the guests at each step as a host service does. */
function run(ts: Toolstack, clock: SimulatedClock, durationMs: number): void {
  for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += TICK_STEP_MS) {
    clock.advanceMs(TICK_STEP_MS);
    ts.hypervisor.tick();
  }
}

interface HostSnapshot {
  domids: number[];
  frameCountFree: number;
  nodeCount: number;
  watchCount: number;
}

function snapshot(ts: Toolstack): HostSnapshot {
  return {
    domids: [...ts.records.keys()].sort((a, b) => a - b),
    frameCountFree: ts.hypervisor.frames.frameCountFreeNow,
    nodeCount: ts.store.nodeCount,
    watchCount: ts.store.watchCount,
  };
}

function refusalCode(fn: () => unknown): ToolstackErrorCode {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return (error as ToolstackError).code;
  }
  throw new Error("expected a refusal, but the call succeeded");
}

function checksum(ts: Toolstack, ref: string): string {
  return ts.domainOf(ts.requireDomain(ref)).memory.checksum();
}

function state(ts: Toolstack, ref: string): string {
  return ts.domainOf(ts.requireDomain(ref)).stateLetters();
}

const backendState = (ts: Toolstack, kind: string, domid: number, devid: number) =>
  ts.store.read(`/local/domain/0/backend/${kind}/${domid}/${devid}/state`);
const frontendState = (ts: Toolstack, kind: string, domid: number, devid: number) =>
  ts.store.read(`/local/domain/${domid}/device/${kind}/${devid}/state`);

describe("Toolstack boot", () => {
  it("runs Domain-0 as domid 0 before any DomU", () => {
    const { ts } = newHost();
    expect([...ts.records.keys()]).toEqual([0]);
    expect(ts.requireDomain("0").name).toBe(DOM0_NAME);
    expect(ts.hypervisor.dom0Running).toBe(true);
    expect(ts.store.read("/local/domain/0/name")).toBe(DOM0_NAME);
    expect(ts.store.read("/local/domain/0/memory/target")).toBe(String(DOM0.memoryMib * KIB));
  });

  it("refuses a DomU at the hypervisor level while Dom0 is not running (EPERM)", () => {
    const hypervisor = new Hypervisor(hostSpec(), new SimulatedClock(), new Prng(1));
    const frameCountFree = hypervisor.frames.frameCountFreeNow;
    let caught: unknown;
    try {
      hypervisor.createDomain({
        uuid: "00000000-0000-0000-0000-000000000001",
        type: "pv",
        memoryKib: 64 * KIB,
        maxmemKib: 64 * KIB,
        vcpus: 1,
        maxvcpus: 1,
        weight: 256,
        cap: 0,
        workload: "idle",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XenError);
    expect((caught as XenError).errno).toBe("EPERM");
    expect(hypervisor.domainCount).toBe(0);
    expect(hypervisor.frames.frameCountFreeNow).toBe(frameCountFree);
  });
});

describe("Toolstack create", () => {
  it("hands out domids 1, 2, 3 in order", () => {
    const { ts } = newHost();
    const domids = ["a", "b", "c"].map((name) => ts.create(guestConfig(name)).domid);
    expect(domids).toEqual([1, 2, 3]);
  });

  it("refuses a second domain with the same name and changes nothing", () => {
    const { ts } = newHost();
    ts.create(guestConfig("web"));
    const before = snapshot(ts);
    expect(refusalCode(() => ts.create(guestConfig("web")))).toBe("ALREADY_EXISTS");
    expect(snapshot(ts)).toEqual(before);
  });

  it("writes the domain's xenstore layout (docs/misc/xenstore-paths.pandoc)", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ["maxmem = 128"]));
    const home = `/local/domain/${record.domid}`;
    expect(ts.store.read(`${home}/name`)).toBe("web");
    expect(ts.store.read(`${home}/vm`)).toBe(`/vm/${record.uuid}`);
    expect(ts.store.read(`/vm/${record.uuid}/name`)).toBe("web");
    expect(ts.store.read(`${home}/memory/target`)).toBe(String(64 * KIB));
    expect(ts.store.read(`${home}/memory/static-max`)).toBe(String(128 * KIB));
    expect(ts.store.read(`${home}/control/shutdown`)).toBe("");
  });

  it("with -p leaves the domain paused and its devices waiting for the guest", () => {
    const { ts } = newHost();
    const { domid } = ts.create(guestConfig("web"), { paused: true });
    expect(state(ts, "web")).toMatch(/^--p---$/);
    for (const [kind, devid] of [
      ["vif", 0],
      ["vbd", XVDA_DEVID],
    ] as const) {
      expect(backendState(ts, kind, domid, devid)).toBe(XENBUS_INIT_WAIT);
      expect(frontendState(ts, kind, domid, devid)).toBe(XENBUS_INITIALISING);
    }
  });

  it("connects every vif and vbd on both ends once the guest runs", () => {
    const { ts } = newHost();
    const config = guestConfig("web", [
      "vif = [ 'bridge=xenbr0', 'bridge=xenbr1' ]",
      "disk = [ '/dev/vg/a,raw,xvda,rw', '/dev/vg/b,raw,xvdb,rw' ]",
    ]);
    const { domid } = ts.create(config, { paused: true });
    ts.unpause("web");
    expect(state(ts, "web")).not.toContain("p");
    const devices: Array<[string, number]> = [
      ["vif", 0],
      ["vif", 1],
      ["vbd", XVDA_DEVID],
      ["vbd", XVDA_DEVID + 16],
    ];
    for (const [kind, devid] of devices) {
      expect(backendState(ts, kind, domid, devid), `${kind} ${devid} backend`).toBe(XENBUS_CONNECTED);
      expect(frontendState(ts, kind, domid, devid), `${kind} ${devid} frontend`).toBe(XENBUS_CONNECTED);
    }
  });
});

describe("Toolstack refusals leave the host as it was", () => {
  it("refuses a domain that does not fit (RESOURCE_EXHAUSTED)", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const config = guestConfig("huge", [`memory = ${HOST_MEMORY_MIB}`]);
    expect(refusalCode(() => ts.create(config))).toBe("RESOURCE_EXHAUSTED");
    expect(snapshot(ts)).toEqual(before);
  });

  it("refuses an HVM guest on a host without HVM support (FAILED_PRECONDITION)", () => {
    const { ts } = newHost(7, { hvmCapable: false });
    const before = snapshot(ts);
    const config = guestConfig("win", ['type = "hvm"']);
    expect(refusalCode(() => ts.create(config))).toBe("FAILED_PRECONDITION");
    expect(snapshot(ts)).toEqual(before);
  });

  it("refuses a bad workload spec (INVALID_ARGUMENT)", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const config = guestConfig("busy", ['xsim_workload = "uniform:rate=fast"']);
    expect(refusalCode(() => ts.create(config))).toBe("INVALID_ARGUMENT");
    expect(snapshot(ts)).toEqual(before);
  });

  it("refuses a disk vdev it cannot number, after the domain was built, and rolls back", () => {
    const { ts } = newHost();
    ts.create(guestConfig("other"));
    const before = snapshot(ts);
    const config = guestConfig("nvme", ["disk = [ '/dev/vg/a,raw,xvda,rw', '/dev/vg/b,raw,nvme0,rw' ]"]);
    expect(refusalCode(() => ts.create(config))).toBe("INVALID_ARGUMENT");
    expect(snapshot(ts)).toEqual(before);
    expect(ts.hypervisor.domainCount).toBe(2);
  });
});

describe("Toolstack destroy", () => {
  it("removes the domain's xenstore subtree and backends and returns its frames", () => {
    const { ts } = newHost();
    const before = snapshot(ts);
    const record = ts.create(guestConfig("web"));
    expect(ts.store.nodeCount).toBeGreaterThan(before.nodeCount);
    expect(ts.hypervisor.frames.frameCountFreeNow).toBeLessThan(before.frameCountFree);
    ts.destroy("web");
    expect(ts.store.exists(`/local/domain/${record.domid}`)).toBe(false);
    expect(ts.store.exists(`/vm/${record.uuid}`)).toBe(false);
    expect(ts.store.exists(`/local/domain/0/backend/vif/${record.domid}`)).toBe(false);
    expect(ts.store.exists(`/local/domain/0/backend/vbd/${record.domid}`)).toBe(false);
    expect(ts.hypervisor.domain(record.domid)).toBeUndefined();
    expect(snapshot(ts)).toEqual(before);
  });

  it("refuses to destroy Domain-0 or an unknown domain", () => {
    const { ts } = newHost();
    expect(refusalCode(() => ts.destroy("0"))).toBe("FAILED_PRECONDITION");
    expect(refusalCode(() => ts.destroy("nosuch"))).toBe("NOT_FOUND");
    expect(ts.hypervisor.dom0Running).toBe(true);
  });
});

/** Lets promise callbacks that are already due run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("Toolstack shutdown", () => {
  it("asks through control/shutdown, the guest acks, and on_poweroff=destroy removes it", async () => {
    const { ts, clock } = newHost();
    const before = snapshot(ts);
    const record = ts.create(guestConfig("web"), { paused: true });
    // Watch before the guest boots so this watch is delivered first and sees each value as written.
    const shutdownPath = `/local/domain/${record.domid}/control/shutdown`;
    const values: string[] = [];
    ts.store.watch(shutdownPath, "test", (path) => values.push(ts.store.read(path) ?? "<gone>"));
    ts.unpause("web");
    let done = false;
    const waiting = ts.shutdown("web", true).then(() => (done = true));
    expect(values).toEqual(["", "poweroff", ""]); // initial fire, request, the guest's acknowledgement
    expect(ts.store.read(shutdownPath)).toBe("");
    await settle();
    expect(done).toBe(false);
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS - 1);
    await settle();
    expect(done).toBe(false);
    expect(ts.records.has(record.domid)).toBe(true);
    clock.advanceMs(1);
    await waiting;
    expect(ts.records.has(record.domid)).toBe(false);
    ts.store.unwatch(shutdownPath, "test");
    expect(snapshot(ts)).toEqual(before);
  });

  it('leaves the domain shut down with on_poweroff="preserve"', async () => {
    const { ts, clock } = newHost();
    const record = ts.create(guestConfig("web", ['on_poweroff = "preserve"']));
    const waiting = ts.shutdown("web", true);
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await waiting;
    expect(ts.requireDomain("web").domid).toBe(record.domid);
    expect(state(ts, "web")).toBe("---s--");
  });

  it("refuses to shut down a domain that never booted (created paused)", () => {
    const { ts } = newHost();
    ts.create(guestConfig("web"), { paused: true });
    expect(refusalCode(() => ts.reboot("web"))).toBe("FAILED_PRECONDITION");
    expect(ts.store.read("/local/domain/1/control/shutdown")).toBe("");
  });
});

/** Creates a domain that has run a busy workload for a while, so its memory is not fresh. */
function createBusy(ts: Toolstack, clock: SimulatedClock, name: string, extra: string[] = []): DomainRecord {
  const record = ts.create(guestConfig(name, ['xsim_workload = "uniform:rate=5000"', ...extra]));
  run(ts, clock, 100);
  return record;
}

describe("Toolstack reboot and lifecycle actions", () => {
  it("restarts on reboot with the same name and uuid, a new domid and fresh memory", () => {
    const { ts, clock } = newHost();
    const fresh = ts.create(guestConfig("fresh", ['xsim_workload = "uniform:rate=5000"']), { paused: true });
    const freshChecksum = checksum(ts, "fresh");
    ts.destroy(String(fresh.domid));
    const record = createBusy(ts, clock, "web");
    expect(checksum(ts, "web")).not.toBe(freshChecksum);
    ts.reboot("web");
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    const restarted = ts.requireDomain("web");
    expect(restarted.domid).not.toBe(record.domid);
    expect(restarted.uuid).toBe(record.uuid);
    expect(ts.records.has(record.domid)).toBe(false);
    expect(checksum(ts, "web")).toBe(freshChecksum);
  });

  it("rename-restart keeps the old domain under a new name and creates a new one", () => {
    const { ts, clock } = newHost();
    const record = createBusy(ts, clock, "web", ['on_reboot = "rename-restart"']);
    const busyChecksum = checksum(ts, "web");
    ts.reboot("web");
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    const old = ts.requireDomain(String(record.domid));
    expect(old.name).toBe(`web-${record.domid}`);
    expect(ts.store.read(`/local/domain/${record.domid}/name`)).toBe(`web-${record.domid}`);
    expect(state(ts, old.name)).toBe("---sr-");
    expect(checksum(ts, old.name)).toBe(busyChecksum);
    const restarted = ts.requireDomain("web");
    expect(restarted.domid).not.toBe(record.domid);
    expect(restarted.uuid).not.toBe(record.uuid);
  });

  it("on a crash destroys by default", () => {
    const { ts, clock } = newHost();
    const before = snapshot(ts);
    createBusy(ts, clock, "web");
    ts.injectCrash("web");
    expect(refusalCode(() => ts.requireDomain("web"))).toBe("NOT_FOUND");
    expect(snapshot(ts)).toEqual(before);
  });

  it('on a crash with on_crash="preserve" keeps the domain as ---sc-', () => {
    const { ts, clock } = newHost();
    const record = createBusy(ts, clock, "web", ['on_crash = "preserve"']);
    const busyChecksum = checksum(ts, "web");
    ts.injectCrash("web");
    expect(ts.requireDomain("web").domid).toBe(record.domid);
    expect(state(ts, "web")).toBe("---sc-");
    expect(checksum(ts, "web")).toBe(busyChecksum);
  });

  it('on a crash with on_crash="restart" starts it again under a new domid', () => {
    const { ts, clock } = newHost();
    const record = createBusy(ts, clock, "web", ['on_crash = "restart"']);
    ts.injectCrash("web");
    const restarted = ts.requireDomain("web");
    expect(restarted.domid).not.toBe(record.domid);
    expect(restarted.uuid).toBe(record.uuid);
    expect(state(ts, "web")).not.toContain("s");
  });
});

describe("Toolstack independence of domains", () => {
  function observe(ts: Toolstack, name: string): { domid: number; checksum: string; state: string } {
    return { domid: ts.requireDomain(name).domid, checksum: checksum(ts, name), state: state(ts, name) };
  }

  it("a crash of one domain does not touch another", () => {
    const { ts, clock } = newHost();
    createBusy(ts, clock, "db");
    createBusy(ts, clock, "web", ['on_crash = "restart"']);
    const before = observe(ts, "db");
    ts.injectCrash("web");
    expect(observe(ts, "db")).toEqual(before);
  });

  it("a reboot or shutdown of one domain does not touch another", async () => {
    const { ts, clock } = newHost();
    createBusy(ts, clock, "db");
    createBusy(ts, clock, "web");
    createBusy(ts, clock, "mail");
    const before = observe(ts, "db");
    ts.reboot("web");
    const gone = ts.shutdown("mail", true);
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await gone;
    expect(ts.requireDomain("web").domid).toBeGreaterThan(before.domid);
    expect(observe(ts, "db")).toEqual(before);
  });
});

describe("Toolstack memory and vCPUs", () => {
  it("refuses mem-set above maxmem and changes nothing", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ["maxmem = 128"]));
    const before = snapshot(ts);
    expect(refusalCode(() => ts.memSet("web", 129 * KIB))).toBe("INVALID_ARGUMENT");
    expect(snapshot(ts)).toEqual(before);
    expect(ts.store.read(`/local/domain/${record.domid}/memory/target`)).toBe(String(64 * KIB));
  });

  it("mem-set down shrinks the allocation once the balloon driver acts", () => {
    const { ts, clock } = newHost();
    const record = ts.create(guestConfig("web", ["maxmem = 128"]));
    run(ts, clock, TICK_STEP_MS);
    const frameCountFree = ts.hypervisor.frames.frameCountFreeNow;
    ts.memSet("web", 32 * KIB);
    expect(ts.store.read(`/local/domain/${record.domid}/memory/target`)).toBe(String(32 * KIB));
    expect(ts.domainOf(record).memoryKib).toBe(32 * KIB);
    expect(ts.hypervisor.frames.framesOwnedBy(record.domid)).toBe((32 * KIB * KIB) / PAGE_SIZE_BYTES);
    expect(ts.hypervisor.frames.frameCountFreeNow).toBe(frameCountFree + (32 * KIB * KIB) / PAGE_SIZE_BYTES);
  });

  it("mem-set up to maxmem grows the allocation", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ["maxmem = 128"]));
    ts.memSet("web", 128 * KIB);
    expect(ts.domainOf(record).memoryKib).toBe(128 * KIB);
  });

  it("refuses mem-max below the current allocation and changes nothing", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ["maxmem = 128"]));
    expect(refusalCode(() => ts.memMax("web", 32 * KIB))).toBe("INVALID_ARGUMENT");
    expect(ts.domainOf(record).maxmemKib).toBe(128 * KIB);
    expect(ts.store.read(`/local/domain/${record.domid}/memory/static-max`)).toBe(String(128 * KIB));
    ts.memMax("web", 256 * KIB);
    expect(ts.store.read(`/local/domain/${record.domid}/memory/static-max`)).toBe(String(256 * KIB));
  });

  it("vcpu-set: above maxvcpus refused, n < 1 ignored, cpu/N/availability follows", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ["vcpus = 2", "maxvcpus = 4"]));
    const availability = () =>
      [0, 1, 2, 3].map((vcpu) => ts.store.read(`/local/domain/${record.domid}/cpu/${vcpu}/availability`));
    expect(availability()).toEqual(["online", "online", "offline", "offline"]);
    expect(refusalCode(() => ts.vcpuSet("web", 5))).toBe("INVALID_ARGUMENT");
    ts.vcpuSet("web", 0);
    expect(ts.domainOf(record).vcpusOnline).toBe(2);
    expect(availability()).toEqual(["online", "online", "offline", "offline"]);
    ts.vcpuSet("web", 3);
    expect(ts.domainOf(record).vcpusOnline).toBe(3);
    expect(availability()).toEqual(["online", "online", "online", "offline"]);
  });
});

describe("Toolstack determinism and scheduling", () => {
  function scenario(seed: number): string {
    const { ts, clock } = newHost(seed);
    ts.create(guestConfig("web", ['xsim_workload = "uniform:rate=5000"']));
    run(ts, clock, 200);
    ts.pause("web");
    run(ts, clock, 50);
    ts.unpause("web");
    run(ts, clock, 200);
    return checksum(ts, "web");
  }

  it("the same seed, operations and time give the same memory", () => {
    const first = scenario(42);
    expect(scenario(42)).toBe(first);
    expect(scenario(43)).not.toBe(first);
  });

  it("a paused domain's workload does not run", () => {
    const { ts, clock } = newHost();
    ts.create(guestConfig("web", ['xsim_workload = "uniform:rate=5000"']), { paused: true });
    const freshChecksum = checksum(ts, "web");
    run(ts, clock, 200);
    expect(checksum(ts, "web")).toBe(freshChecksum);
    ts.unpause("web");
    run(ts, clock, 200);
    const busyChecksum = checksum(ts, "web");
    expect(busyChecksum).not.toBe(freshChecksum);
    ts.pause("web");
    run(ts, clock, 200);
    expect(checksum(ts, "web")).toBe(busyChecksum);
  });
});

describe("Toolstack events", () => {
  it("reports created, paused, unpaused, shutdown and destroyed with names and states", async () => {
    const { ts, clock } = newHost();
    const events: DomainEvent[] = [];
    ts.events = { domainEvent: (event) => events.push(event) };
    const record = ts.create(guestConfig("web"), { paused: true });
    ts.unpause("web");
    ts.pause("web");
    ts.unpause("web");
    const waiting = ts.shutdown("web", true);
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await waiting;
    const seen = events.map((e) => [e.event, e.name, e.domid, e.state]);
    expect(seen).toEqual([
      ["created", "web", record.domid, "--p---"],
      ["unpaused", "web", record.domid, "-b----"],
      ["paused", "web", record.domid, "--p---"],
      ["unpaused", "web", record.domid, "-b----"],
      ["shutdown", "web", record.domid, "---s--"],
      ["destroyed", "web", record.domid, "-----d"],
    ]);
    expect(events.every((e) => e.hostId === "h1" && e.uuid === record.uuid)).toBe(true);
    expect(events.at(-1)?.timeMs).toBe(GUEST_SHUTDOWN_DELAY_MS);
  });

  it("reports a domain created running with one created event, its first (nats-subjects.md)", () => {
    const { ts } = newHost();
    const events: DomainEvent[] = [];
    ts.events = { domainEvent: (event) => events.push(event) };
    ts.create(guestConfig("web"));
    expect(events.map((e) => [e.event, e.name, e.state])).toEqual([["created", "web", "-b----"]]);
  });

  it("reports a crash and a restart as crashed, destroyed, created, rebooted", () => {
    const { ts } = newHost();
    const record = ts.create(guestConfig("web", ['on_crash = "restart"']));
    const events: DomainEvent[] = [];
    ts.events = { domainEvent: (event) => events.push(event) };
    ts.injectCrash("web");
    const restarted = ts.requireDomain("web");
    expect(events.map((e) => [e.event, e.domid, e.state])).toEqual([
      ["crashed", record.domid, "---sc-"],
      ["destroyed", record.domid, "-----d"],
      ["created", restarted.domid, "-b----"],
      ["rebooted", restarted.domid, "-b----"],
    ]);
    expect(events[0]?.detail).toEqual({ reason: "Crash", action: "restart" });
    expect(events[3]?.detail).toEqual({ previousDomid: record.domid });
  });
});
