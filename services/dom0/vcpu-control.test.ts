import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { ToolstackError } from "./errors.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { listVcpus, parseVcpuArgument, pinVcpus } from "./vcpu-control.js";

function newHost(): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  const ts = new Toolstack(spec, { memoryMib: 256, vcpus: 2 }, new SimulatedClock(), new Prng(3));
  ts.create(
    loadDomainConfig(
      'name = "g"\nkernel = "/k"\nmemory = 32\nvcpus = 2\nmaxvcpus = 3\n',
      "g.cfg",
      [],
      ts.prng,
    ),
  );
  return ts;
}

const affinities = (ts: Toolstack, ref: string) =>
  listVcpus(ts, [ref])[0]!.vcpus.map((v) => `${v.hardAffinityText} / ${v.softAffinityText}`);

describe("listVcpus", () => {
  it("lists every vCPU up to maxvcpus of every domain, Domain-0 first, offline ones included", () => {
    const ts = newHost();
    const all = listVcpus(ts, []);
    expect(all.map((d) => [d.record.name, d.vcpus.length])).toEqual([
      ["Domain-0", 2],
      ["g", 3],
    ]);
    expect(all[1]!.vcpus.map((v) => v.online)).toEqual([true, true, false]);
    expect(() => listVcpus(ts, ["nope"])).toThrow('no domain named "nope"');
  });
});

describe("pinVcpus (xl vcpu-pin)", () => {
  it("sets hard and soft affinity of one vCPU and keeps them in the config", () => {
    const ts = newHost();
    pinVcpus(ts, "g", { vcpu: 1, hard: "2-3", soft: "3" });
    expect(affinities(ts, "g")).toEqual(["all / all", "2-3 / 3", "all / all"]);
    expect(ts.requireDomain("g").config.cpus).toEqual(["all", "2-3", "all"]);
    expect(ts.requireDomain("g").config.cpusSoft).toEqual(["all", "3", "all"]);
  });

  it("pins every vCPU with all, and leaves an affinity that is not given (xl's -) alone", () => {
    const ts = newHost();
    pinVcpus(ts, "g", { vcpu: "all", hard: "1" });
    pinVcpus(ts, "g", { vcpu: 0, soft: "0" });
    expect(affinities(ts, "g")).toEqual(["1 / 0", "1 / all", "1 / all"]);
    expect(ts.requireDomain("g").config.cpus).toBe("1");
    pinVcpus(ts, "g", { vcpu: "all", hard: "all", soft: "all" });
    expect(ts.requireDomain("g").config.cpus).toBeUndefined();
    expect(ts.requireDomain("g").config.cpusSoft).toBeUndefined();
  });

  it("refuses a bad vCPU or cpu list whole: neither affinity changes", () => {
    const ts = newHost();
    const refuse = (fn: () => unknown) => expect(fn).toThrow(ToolstackError);
    refuse(() => pinVcpus(ts, "g", { vcpu: 3, hard: "1" }));
    refuse(() => pinVcpus(ts, "g", { vcpu: 0, hard: "1", soft: "8" }));
    refuse(() => pinVcpus(ts, "g", { vcpu: 0, hard: "^all", soft: "1" }));
    expect(affinities(ts, "g")).toEqual(["all / all", "all / all", "all / all"]);
    expect(() => pinVcpus(ts, "g", { vcpu: 0, hard: "5" })).toThrow(/vcpu-pin hard affinity: .*pCPU 5/);
  });

  it("refuses while the domain is being migrated", () => {
    const ts = newHost();
    ts.isMigrating = () => true;
    expect(() => pinVcpus(ts, "g", { vcpu: 0, hard: "1" })).toThrow("is being migrated");
  });
});

describe("parseVcpuArgument", () => {
  it("takes a vCPU number or all, as xl does", () => {
    expect(parseVcpuArgument("all")).toBe("all");
    expect(parseVcpuArgument("2")).toBe(2);
    expect(() => parseVcpuArgument("-1")).toThrow('invalid argument "-1" as VCPU');
    expect(() => parseVcpuArgument("x")).toThrow(ToolstackError);
  });
});
