import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { GUEST_SHUTDOWN_DELAY_MS } from "./guest-agent.js";
import { startTimePath } from "../xenstore/paths.js";

function newHost() {
  const clock = new SimulatedClock();
  const spec = { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  return { ts: new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, clock, new Prng(3)), clock };
}

function create(ts: Toolstack, name: string, paused = false) {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 16\nvif = [ '' ]\n`;
  return ts.create(loadDomainConfig(text, `${name}.cfg`, [], new Prng(1)), { paused });
}

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ToolstackError) return error.code;
    throw error;
  }
  return undefined;
}

describe("xl suspend / resume", () => {
  it("suspends through control/shutdown to ---ss-, and resume lets it run again", async () => {
    const { ts, clock } = newHost();
    const web = create(ts, "web");
    const suspended = ts.suspend("web");
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await suspended;
    expect(ts.domainOf(web).stateLetters()).toBe("---ss-");
    expect(ts.records.get(web.domid)).toBe(web); // preserved, as libxl leaves a suspended domain
    ts.resume("web");
    expect(ts.domainOf(web).isRunnable).toBe(true);
    // The guest answers a later request again: a shutdown after the resume goes through.
    const gone = ts.shutdown("web", true);
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await gone;
    expect(ts.records.has(web.domid)).toBe(false);
  });

  it("refuses to resume a running domain and to suspend a paused one, changing nothing", async () => {
    const { ts } = newHost();
    const web = create(ts, "web");
    expect(await codeOf(() => ts.resume("web"))).toBe("FAILED_PRECONDITION");
    ts.pause("web");
    expect(await codeOf(() => ts.suspend("web"))).toBe("FAILED_PRECONDITION");
    expect(ts.domainOf(web).stateLetters()).toBe("--p---");
    expect(await codeOf(() => ts.suspend("Domain-0"))).toBe("FAILED_PRECONDITION");
  });
});

describe("the host's say on a user's unpause (admitUnpause)", () => {
  it("refuses xl unpause and xl resume changing nothing; the toolstack's own resume does not ask", async () => {
    const { ts, clock } = newHost();
    const web = create(ts, "web");
    const events: string[] = [];
    ts.events = { domainEvent: (event) => events.push(event.event) };
    ts.admitUnpause = (record) => {
      throw new ToolstackError("UNAVAILABLE", `${record.name}: held`);
    };
    ts.pause("web");
    expect(await codeOf(() => ts.unpause("web"))).toBe("UNAVAILABLE");
    expect(ts.domainOf(web).stateLetters()).toBe("--p---");
    expect(events).toEqual(["paused"]);
    ts.resumeDomain("web"); // a migration's handover, a restore, the end of an HA hold
    expect(ts.domainOf(web).isRunnable).toBe(true);
    const suspended = ts.suspend("web");
    clock.advanceMs(GUEST_SHUTDOWN_DELAY_MS);
    await suspended;
    expect(await codeOf(() => ts.resume("web"))).toBe("UNAVAILABLE");
    expect(ts.domainOf(web).stateLetters()).toBe("---ss-");
  });
});

describe("the hypervisor log, guest consoles and start times", () => {
  it("dmesg has the boot line and one line per domain event, stamped with seconds since boot", () => {
    const { ts, clock } = newHost();
    clock.advanceMs(1500);
    create(ts, "web");
    ts.setWorkload("web", "uniform:rate=100");
    ts.destroy("web");
    const lines = ts.dmesg.read();
    expect(lines[0]).toMatch(/^\(XEN\) \[ {4}0\.000000\] host h1: 2 pCPUs, 1024 MiB, scheduler credit2/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^\(XEN\) \[ {4}1\.500000\] d1 \(web\): domain built, 16 MiB, 1 vCPUs, uuid /),
      "(XEN) [    1.500000] d1 (web): workload",
      "(XEN) [    1.500000] d1 (web): domain destroyed",
    ]);
  });

  it("a guest's console has its boot lines and what its workload reports; not before it boots", () => {
    const { ts, clock } = newHost();
    const web = create(ts, "web", true);
    expect(web.guest?.console.read()).toEqual([]);
    clock.advanceMs(250);
    ts.unpause("web");
    ts.setWorkload("web", "sweep:rate=10");
    expect(web.guest?.console.read()).toEqual([
      "[    0.250000] xsim-guest: kernel started: pv domain 1, 1 vCPUs, 16 MiB",
      "[    0.250000] xsim-guest: PV drivers: xenbus, xen-netfront, xen-blkfront, xen-balloon",
      "[    0.250000] xsim-workload: idle",
      "[    0.250000] xsim-workload: sweep:rate=10",
    ]);
  });

  it("writes /vm/UUID/start_time when it builds a domain", () => {
    const { ts, clock } = newHost();
    clock.advanceMs(4200);
    const web = create(ts, "web");
    expect(ts.store.read(startTimePath(web.uuid))).toBe("4.20");
  });
});
