import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "../dom0/toolstack.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import { ToolstackHaGuests } from "./ha-guests.js";

function cfg(name: string, ha: boolean) {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 16\n${ha ? 'xsim_ha = "restart"\n' : ""}`;
  return loadDomainConfig(text, `${name}.cfg`, [], new Prng(3));
}

describe("ToolstackHaGuests.fence", () => {
  it('reports each fenced guest as a "fenced" event (not migrated-out to=fenced, not destroyed); unprotected ones stay', () => {
    const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
    const toolstack = new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
    const events: DomainEvent[] = [];
    toolstack.events = { domainEvent: (event) => events.push(event) };
    toolstack.create(cfg("db", true));
    toolstack.create(cfg("web", false));
    events.length = 0;
    expect(new ToolstackHaGuests(toolstack).fence()).toEqual(["db"]);
    expect(events.map((e) => `${e.event} ${e.name}`)).toEqual(["fenced db"]);
    expect([...toolstack.records.values()].map((r) => r.name)).toEqual(["Domain-0", "web"]);
  });
});
