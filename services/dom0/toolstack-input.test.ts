import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { configFromJson } from "./xlcfg/config-json.js";

function host(): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
  return new Toolstack(spec, { memoryMib: 128, vcpus: 1 }, new SimulatedClock(), new Prng(1));
}

function withGuest(): Toolstack {
  const ts = host();
  ts.create(loadDomainConfig(`name = "w2"\nkernel = "/k"\nmemory = 256\n`, "w2.cfg", [], new Prng(3)));
  return ts;
}

/** The domain as the user would see it: what a refused request must leave unchanged. */
function snapshot(ts: Toolstack): string {
  const record = ts.requireDomain("w2");
  const domain = ts.domainOf(record);
  return JSON.stringify([record.name, record.config, domain.memoryKib, domain.maxmemKib, ts.records.size]);
}

function refusal(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a refusal");
}

// Every bad input a user can type is an expected refusal with its field and changes nothing.
describe("bad input at the toolstack's boundary", () => {
  it.each([
    [
      "mem-max 999t",
      (ts: Toolstack) => ts.memMax("w2", 999 * 1024 ** 3),
      "mem-max: maxmem 1072668082176 KiB is out of range",
    ],
    ["mem-max 0", (ts: Toolstack) => ts.memMax("w2", 0), "mem-max: maxmem 0 KiB is out of range"],
    ["mem-set 0", (ts: Toolstack) => ts.memSet("w2", 0), "mem-set: memory 0 KiB is out of range"],
    ["mem-set 1.5 KiB", (ts: Toolstack) => ts.memSet("w2", 1.5), "mem-set: memory 1.5 KiB is out of range"],
    ["rename a/b", (ts: Toolstack) => ts.rename("w2", "a/b"), `new name "a/b" must not contain '/'`],
    ["rename ..", (ts: Toolstack) => ts.rename("w2", ".."), 'new name ".." must not be ".."'],
    ["rename newline", (ts: Toolstack) => ts.rename("w2", "a\nb"), "control characters"],
    ["rename --incoming", (ts: Toolstack) => ts.rename("w2", "x--incoming"), "reserved by live migration"],
    ["wws hot 999G", (ts: Toolstack) => ts.setWorkload("w2", "wws:hot=999G,rate=10"), "workload: hot set"],
  ])("%s: INVALID_ARGUMENT naming the field, nothing changed", (_, action, message) => {
    const ts = withGuest();
    const before = snapshot(ts);
    const error = refusal(() => action(ts));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(message);
    expect(snapshot(ts)).toBe(before);
  });

  it("refuses a create whose parsed config (the scheduler's config_json) has a bad name or workload", () => {
    const ts = host();
    const good = loadDomainConfig(`name = "ok"\nkernel = "/k"\nmemory = 64\n`, "ok.cfg", [], new Prng(3));
    for (const [config, message] of [
      [{ ...good, name: "a/b" }, `name "a/b" must not contain '/'`],
      [{ ...good, name: "w--migratedaway" }, "reserved by live migration"],
      [{ ...good, xsim: { workload: "wws:hot=1G,rate=5" } }, "xl.cfg xsim_workload: hot set"],
    ] as const) {
      const error = refusal(() => ts.create(configFromJson(JSON.stringify(config))));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(message);
    }
    expect(ts.records.size).toBe(1); // Dom0 only
  });

  it("still lets a migration name the incoming copy NAME--incoming", () => {
    const ts = host();
    const config = loadDomainConfig(`name = "m"\nkernel = "/k"\nmemory = 64\n`, "m.cfg", [], new Prng(3));
    expect(ts.create(config, { paused: true, nameOverride: "m--incoming" }).name).toBe("m--incoming");
  });
});

describe("the host's real-memory budget", () => {
  const MIB = 1024 * 1024;
  const config = (name: string, memoryMib: number) =>
    loadDomainConfig(
      `name = "${name}"\nkernel = "/k"\nmemory = ${memoryMib}\n`,
      `${name}.cfg`,
      [],
      new Prng(3),
    );

  it("takes guests while their maxmem fits and refuses the one that does not with RESOURCE_EXHAUSTED, changing nothing", () => {
    const ts = host();
    ts.realMemoryByteCountMax = 300 * MIB;
    ts.create(config("a", 128));
    ts.create(config("b", 128));
    const before = JSON.stringify([...ts.records.keys()]);
    const error = refusal(() => ts.create(config("c", 64)));
    expect(error.code).toBe("RESOURCE_EXHAUSTED");
    expect(error.message).toBe(
      "domain c needs 64 MiB of real memory, but the host's real-memory budget (--real-memory-mib) is 300 MiB and its guests claim 256 MiB",
    );
    expect(JSON.stringify([...ts.records.keys()])).toBe(before);
    expect(ts.realMemoryClaimedByteCount()).toBe(256 * MIB);
  });

  it("refuses a mem-max that would claim more than the budget, and frees the claim on destroy", () => {
    const ts = host();
    ts.realMemoryByteCountMax = 300 * MIB;
    ts.create(config("a", 256));
    expect(refusal(() => ts.memMax("a", 512 * 1024)).code).toBe("RESOURCE_EXHAUSTED");
    expect(ts.domainOf(ts.requireDomain("a")).maxmemKib).toBe(256 * 1024);
    ts.destroy("a");
    expect(ts.realMemoryClaimedByteCount()).toBe(0);
    expect(ts.create(config("b", 300)).name).toBe("b");
  });
});
