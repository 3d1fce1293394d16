import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";

const SEED = 1;

function host(hostId: string): Toolstack {
  const spec = { hostId, pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  return new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(SEED));
}

function create(ts: Toolstack, name: string): string {
  const config = loadDomainConfig(
    `name = "${name}"\nkernel = "/k"\nmemory = 16\n`,
    `${name}.cfg`,
    [],
    new Prng(3),
  );
  return ts.create(config).uuid;
}

// The scheduler keys HA records and its view by uuid: a uuid must name one domain cluster-wide.
describe("DomU uuids", () => {
  it("stay unique among a host's live domains after others were destroyed", () => {
    const ts = host("h1");
    create(ts, "a");
    create(ts, "b");
    const c = create(ts, "c");
    ts.destroy("a");
    ts.destroy("b");
    expect(create(ts, "d")).not.toBe(c);
  });

  it("differ between hosts started with the same seed, and repeat for the same host", () => {
    const first = [create(host("h1"), "x"), create(host("h2"), "x")];
    expect(first[0]).not.toBe(first[1]);
    expect(create(host("h1"), "x")).toBe(first[0]);
  });
});
