import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../core/clock.js";
import { Prng } from "../../core/prng.js";
import { Toolstack } from "../../dom0/toolstack.js";
import { loadDomainConfig } from "../../dom0/xlcfg/load.js";
import { domainInfo } from "./domain-info.js";

function host(): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  return new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
}

describe("domainInfo", () => {
  it("carries the record's config as JSON, and the new one after a change replaced it", () => {
    const ts = host();
    const config = loadDomainConfig(
      'name = "a"\nkernel = "/k"\nmemory = 16\nmaxmem = 32\n',
      "a.cfg",
      [],
      new Prng(3),
    );
    const record = ts.create(config);
    const before = domainInfo(ts, record).configJson;
    expect(before).toBe(JSON.stringify(record.config));
    expect(domainInfo(ts, record).configJson).toBe(before);
    ts.memSet("a", 24 * 1024);
    const after = JSON.parse(domainInfo(ts, record).configJson) as { memoryMib: number };
    expect(after.memoryMib).toBe(24);
    expect(domainInfo(ts, record).configJson).toBe(JSON.stringify(record.config));
  });
});
