import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "../dom0/toolstack.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { refuseUserEndWhileHeld, ToolstackHaGuests } from "./ha-guests.js";
import { ToolstackError } from "../dom0/errors.js";

function cfg(name: string, ha: boolean) {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 16\n${ha ? 'xsim_ha = "restart"\n' : ""}`;
  return loadDomainConfig(text, `${name}.cfg`, [], new Prng(3));
}

/** h1 with db (protected) and web (unprotected) created, and the events reported after that. */
function hostWithDbAndWeb() {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  const toolstack = new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
  const events: DomainEvent[] = [];
  toolstack.events = { domainEvent: (event) => events.push(event) };
  toolstack.create(cfg("db", true));
  toolstack.create(cfg("web", false));
  events.length = 0;
  const reported = () => events.map((e) => `${e.event} ${e.name}`);
  const left = () => [...toolstack.records.values()].map((r) => r.name);
  return { guests: new ToolstackHaGuests(toolstack), reported, left };
}

describe("ToolstackHaGuests.fence", () => {
  it('reports each fenced guest as a "fenced" event (not migrated-out to=fenced, not destroyed); unprotected ones stay', () => {
    const { guests, reported, left } = hostWithDbAndWeb();
    expect(guests.fence()).toEqual(["db"]);
    expect(reported()).toEqual(["fenced db"]);
    expect(left()).toEqual(["Domain-0", "web"]);
  });

  it("of a host declared dead (docs/specs/ha.md §7): every guest, unprotected ones too, each reported fenced; Domain-0 stays", () => {
    const { guests, reported, left } = hostWithDbAndWeb();
    expect(guests.fence("every guest")).toEqual(["db", "web"]);
    expect(reported()).toEqual(["fenced db", "fenced web"]);
    expect(left()).toEqual(["Domain-0"]);
  });
});

describe("refuseUserEndWhileHeld (docs/specs/ha.md §4 rule 10)", () => {
  function setup() {
    const spec = { hostId: "h2", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
    const toolstack = new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
    const db = toolstack.create(cfg("db", true));
    const web = toolstack.create(cfg("web", false));
    return { toolstack, db, web };
  }
  const held = { unpauseRefusal: () => "its HA lease was last renewed 5200 ms ago" };
  const confirmed = { unpauseRefusal: () => undefined };

  it("refuses a protected guest's end UNAVAILABLE while its host holds, nothing changed", () => {
    const { toolstack, db } = setup();
    const before = [...toolstack.records.values()].map((r) => `${r.domid} ${r.name}`);
    let caught: unknown;
    try {
      refuseUserEndWhileHeld(held, db, "h2");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolstackError);
    expect((caught as ToolstackError).code).toBe("UNAVAILABLE");
    expect((caught as ToolstackError).message).toBe(
      "db: an HA-protected guest cannot be destroyed or shut down on host h2 now: its HA lease was last " +
        "renewed 5200 ms ago; nothing was changed, it stays on this host (end it again once the host " +
        "renews its lease; if the lease was revoked, HA restarts it on another host)",
    );
    expect([...toolstack.records.values()].map((r) => `${r.domid} ${r.name}`)).toEqual(before);
  });

  it("does not refuse an unprotected guest while held, nor a protected one under a confirmed lease", () => {
    const { db, web } = setup();
    expect(() => refuseUserEndWhileHeld(held, web, "h2")).not.toThrow();
    expect(() => refuseUserEndWhileHeld(confirmed, db, "h2")).not.toThrow();
  });
});
