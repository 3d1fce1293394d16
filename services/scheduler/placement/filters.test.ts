import { describe, expect, it } from "vitest";
import {
  AFFINITY,
  ANTI_AFFINITY,
  COMPUTE,
  CPUPOOL,
  EXCLUDED,
  FILTERS,
  firstFailingFilter,
  HVM,
  MEMORY,
  MIGRATIONS,
  PINNED,
  runFilter,
  VCPUS,
} from "./filters.js";
import { GIB_IN_KIB, groups, hostState, MIB_IN_KIB, placementRequest } from "./fixtures.js";
import { prepareRequest } from "./prepared.js";

const NONE = groups();

describe("filters", () => {
  it("compute: keeps a host that is up and enabled, names one that is down or disabled", () => {
    const web = placementRequest("web");
    expect(runFilter(COMPUTE, hostState("h1"), web, NONE)).toBeUndefined();
    expect(runFilter(COMPUTE, hostState("h3", { up: false }), web, NONE)).toBe("h3 down");
    expect(runFilter(COMPUTE, hostState("h3", { enabled: false }), web, NONE)).toBe("h3 disabled");
  });

  it("memory: Xen does not overcommit, so free memory must cover the whole domain", () => {
    const web = placementRequest("web", { memoryKib: 1024 * MIB_IN_KIB });
    expect(
      runFilter(MEMORY, hostState("h1", { memoryFreeKib: 1024 * MIB_IN_KIB }), web, NONE),
    ).toBeUndefined();
    expect(runFilter(MEMORY, hostState("h1", { memoryFreeKib: 512 * MIB_IN_KIB }), web, NONE)).toBe(
      "h1 memory 512 MiB free < 1024 MiB",
    );
    const odd = hostState("h1", { memoryFreeKib: 1536 * MIB_IN_KIB + 512 });
    expect(runFilter(MEMORY, odd, placementRequest("big", { memoryKib: 2 * GIB_IN_KIB }), NONE)).toBe(
      "h1 memory 1536.5 MiB free < 2048 MiB",
    );
  });

  it("vcpus: allocated plus requested within the overcommit ratio x pCPUs (default 4.0)", () => {
    const host = hostState("h2", { pcpuCount: 8, vcpusAllocated: 31 });
    expect(runFilter(VCPUS, host, placementRequest("web", { vcpus: 1 }), NONE)).toBeUndefined();
    expect(runFilter(VCPUS, host, placementRequest("web", { vcpus: 2 }), NONE)).toBe(
      "h2 vcpus 33 > 4.0 x 8 pCPUs",
    );
    const strict = { ...NONE, cpuAllocationRatio: 1.5 };
    expect(runFilter(VCPUS, hostState("h2", { vcpusAllocated: 12 }), placementRequest("web"), strict)).toBe(
      "h2 vcpus 13 > 1.5 x 8 pCPUs",
    );
  });

  it("cpupool: only hosts with a pool of that name, with room for the vCPUs in it", () => {
    const pools = [
      { name: "Pool-0", pcpuCount: 6, vcpusAllocated: 2 },
      { name: "fast", pcpuCount: 2, vcpusAllocated: 7 },
    ];
    const host = hostState("h1", { cpupools: pools });
    const inFast = (vcpus: number) => placementRequest("web", { cpupool: "fast", vcpus });
    expect(runFilter(CPUPOOL, host, inFast(1), NONE)).toBeUndefined();
    expect(runFilter(CPUPOOL, host, inFast(2), NONE)).toBe("h1 cpupool fast vcpus 9 > 4.0 x 2 pCPUs");
    expect(runFilter(CPUPOOL, host, placementRequest("web", { cpupool: "gold" }), NONE)).toBe(
      'h1 has no cpupool "gold"',
    );
    expect(runFilter(CPUPOOL, host, placementRequest("web"), NONE)).toBeUndefined();
    // A host that reports no pools has Pool-0 only.
    expect(
      runFilter(CPUPOOL, hostState("h2"), placementRequest("web", { cpupool: "Pool-0" }), NONE),
    ).toBeUndefined();
    expect(runFilter(CPUPOOL, hostState("h2"), inFast(1), NONE)).toBe('h2 has no cpupool "fast"');
  });

  it("hvm: HVM guests only on HVM-capable hosts; PV and PVH anywhere", () => {
    const noHvm = hostState("h2", { hvmCapable: false });
    expect(runFilter(HVM, noHvm, placementRequest("win", { type: "hvm" }), NONE)).toBe("h2 no HVM");
    expect(runFilter(HVM, hostState("h1"), placementRequest("win", { type: "hvm" }), NONE)).toBeUndefined();
    expect(runFilter(HVM, noHvm, placementRequest("web", { type: "pvh" }), NONE)).toBeUndefined();
  });

  it("affinity: once the group runs somewhere, only there; anywhere before that", () => {
    const db = placementRequest("db2", { affinityGroup: "db" });
    expect(runFilter(AFFINITY, hostState("h4"), db, NONE)).toBeUndefined();
    expect(runFilter(AFFINITY, hostState("h1"), db, groups({ db: ["h1"] }))).toBeUndefined();
    expect(runFilter(AFFINITY, hostState("h4"), db, groups({ db: ["h1", "h2"] }))).toBe(
      'h4 not in affinity group "db" (runs on h1, h2)',
    );
  });

  it("anti-affinity: never on a host where the group runs", () => {
    const web = placementRequest("web3", { antiAffinityGroup: "web" });
    const running = groups({ web: ["h1"] });
    expect(runFilter(ANTI_AFFINITY, hostState("h1"), web, running)).toBe('h1 runs anti-affinity group "web"');
    expect(runFilter(ANTI_AFFINITY, hostState("h2"), web, running)).toBeUndefined();
  });

  it("pinned and excluded hosts", () => {
    const pinned = placementRequest("web", { pinnedHostId: "h1" });
    expect(runFilter(PINNED, hostState("h1"), pinned, NONE)).toBeUndefined();
    expect(runFilter(PINNED, hostState("h2"), pinned, NONE)).toBe("h2 is not the pinned host h1");
    const away = placementRequest("web", { excludeHostIds: ["h1"] });
    expect(runFilter(EXCLUDED, hostState("h1"), away, NONE)).toBe("h1 excluded by the request");
    expect(runFilter(EXCLUDED, hostState("h2"), away, NONE)).toBeUndefined();
  });

  it("migrations: a migration needs a free slot on the host; a create does not", () => {
    const busy = hostState("h1", { migrationsInFlight: 2, migrationsMax: 2 });
    expect(runFilter(MIGRATIONS, busy, placementRequest("web", { countsAsMigration: true }), NONE)).toBe(
      "h1 migrations 2 in flight >= 2 max",
    );
    expect(runFilter(MIGRATIONS, busy, placementRequest("web"), NONE)).toBeUndefined();
    const free = hostState("h1", { migrationsInFlight: 1, migrationsMax: 2 });
    expect(
      runFilter(MIGRATIONS, free, placementRequest("web", { countsAsMigration: true }), NONE),
    ).toBeUndefined();
  });

  it("charges a host to the first filter, in pipeline order, that removes it", () => {
    const host = hostState("h1", { up: false, hvmCapable: false, memoryFreeKib: 0 });
    const win = prepareRequest(placementRequest("win", { type: "hvm" }), NONE);
    expect(FILTERS[firstFailingFilter(host, win)]?.name).toBe("compute");
    expect(FILTERS[firstFailingFilter({ ...host, up: true }, win)]?.name).toBe("hvm");
    expect(firstFailingFilter(hostState("h1"), win)).toBe(-1);
  });
});
