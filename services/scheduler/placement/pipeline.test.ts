import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { recordMembership, withPlacement } from "./apply.js";
import { InvalidPlacementRequestError, NoValidHostError, UnknownPolicyError } from "./errors.js";
import { GIB_IN_KIB, groups, hostState, MIB_IN_KIB, placementRequest } from "./fixtures.js";
import type { HostState, PlacementRequest } from "./model.js";
import { chooseAmong, place } from "./pipeline.js";
import { FIRST_FIT, PACK, SPREAD } from "./policies.js";

const NONE = groups();
const prng = () => new Prng(1);

function refusalOf(run: () => unknown): NoValidHostError {
  try {
    run();
  } catch (error) {
    if (error instanceof NoValidHostError) return error;
    throw error;
  }
  throw new Error("expected NoValidHostError");
}

/** Places `requests` one after the other, each host taking what it was given. */
function placeAll(hosts: HostState[], requests: readonly PlacementRequest[], policy = "spread"): string[] {
  const hostIdsByGroup = new Map<string, Set<string>>();
  return requests.map((request) => {
    const { hostId } = place(hosts, request, policy, { hostIdsByGroup }, prng());
    const i = hosts.findIndex((host) => host.hostId === hostId);
    hosts[i] = withPlacement(hosts[i] as HostState, request);
    recordMembership(hostIdsByGroup, request, hostId);
    return hostId;
  });
}

describe("place", () => {
  const three = [
    hostState("h1", { memoryFreeKib: 4 * GIB_IN_KIB }),
    hostState("h2", { memoryFreeKib: 6 * GIB_IN_KIB }),
    hostState("h3", { memoryFreeKib: 2 * GIB_IN_KIB }),
  ];

  it("spread takes the most free memory, pack the least that fits, first-fit the first host", () => {
    const web = placementRequest("web");
    expect(place(three, web, "spread", NONE, prng()).hostId).toBe("h2");
    expect(place(three, web, "pack", NONE, prng()).hostId).toBe("h3");
    expect(place(three, web, "first-fit", NONE, prng()).hostId).toBe("h1");
    const big = placementRequest("big", { memoryKib: 3 * GIB_IN_KIB });
    expect(place(three, big, PACK, NONE, prng()).hostId).toBe("h1");
  });

  it("anti-affinity keeps two members apart and refuses a third when only 2 hosts exist", () => {
    const hosts = [hostState("h1"), hostState("h2")];
    const member = (name: string) => placementRequest(name, { antiAffinityGroup: "web" });
    const [first, second] = placeAll(hosts, [member("web1"), member("web2")]);
    expect(new Set([first, second])).toEqual(new Set(["h1", "h2"]));
    const error = refusalOf(() =>
      place(hosts, member("web3"), "spread", groups({ web: ["h1", "h2"] }), prng()),
    );
    expect(error.message).toBe(
      'no host fits "web3": h1 runs anti-affinity group "web"; h2 runs anti-affinity group "web"',
    );
    expect(error.countByFilter.get("anti-affinity")).toBe(2);
  });

  it("affinity joins the group where it runs, though spread would go elsewhere", () => {
    const db2 = placementRequest("db2", { affinityGroup: "db" });
    expect(place(three, db2, "spread", groups({ db: ["h3"] }), prng()).hostId).toBe("h3");
    expect(place(three, db2, "spread", NONE, prng()).hostId).toBe("h2");
    expect(placeAll([...three], [db2, placementRequest("db3", { affinityGroup: "db" })])).toEqual([
      "h2",
      "h2",
    ]);
  });

  it("a pinned host is taken if it fits, refused with its reason if not", () => {
    const pinned = placementRequest("web", { pinnedHostId: "h3" });
    expect(place(three, pinned, "spread", NONE, prng()).hostId).toBe("h3");
    const tooBig = { ...pinned, memoryKib: 3 * GIB_IN_KIB };
    expect(refusalOf(() => place(three, tooBig, "spread", NONE, prng())).message).toBe(
      'no host fits "web": h1 is not the pinned host h3; h2 is not the pinned host h3; ' +
        "h3 memory 2048 MiB free < 3072 MiB",
    );
  });

  it("vCPUs overcommit up to the ratio, 4.0 unless the context says otherwise", () => {
    const hosts = [
      hostState("h1", { pcpuCount: 2, vcpusAllocated: 7 }),
      hostState("h2", { memoryFreeKib: GIB_IN_KIB }),
    ];
    const four = placementRequest("web", { vcpus: 2 });
    expect(place(hosts, four, "spread", NONE, prng()).hostId).toBe("h2");
    expect(place(hosts, four, "spread", { ...NONE, cpuAllocationRatio: 16 }, prng()).hostId).toBe("h1");
  });

  it("an HVM guest goes to an HVM-capable host even when spread prefers another", () => {
    const hosts = [hostState("h1", { hvmCapable: false, memoryFreeKib: 8 * GIB_IN_KIB }), hostState("h2")];
    expect(place(hosts, placementRequest("win", { type: "hvm" }), "spread", NONE, prng()).hostId).toBe("h2");
    expect(place(hosts, placementRequest("web", { type: "pvh" }), "spread", NONE, prng()).hostId).toBe("h1");
  });

  it("a migration avoids hosts at their migrations limit and the source host", () => {
    const hosts = [
      hostState("h1", { memoryFreeKib: 8 * GIB_IN_KIB, migrationsInFlight: 2, migrationsMax: 2 }),
      hostState("h2", { memoryFreeKib: 6 * GIB_IN_KIB }),
      hostState("h3"),
    ];
    const move = placementRequest("web", { countsAsMigration: true, excludeHostIds: ["h2"] });
    expect(place(hosts, move, "spread", NONE, prng()).hostId).toBe("h3");
    expect(place(hosts, placementRequest("web"), "spread", NONE, prng()).hostId).toBe("h1");
  });

  it("breaks ties with the seeded PRNG: the same seed replays, other seeds differ", () => {
    const same = ["h1", "h2", "h3", "h4", "h5"].map((id) => hostState(id));
    const web = placementRequest("web");
    const sequence = (seed: number) => {
      const tieBreak = new Prng(seed);
      return Array.from({ length: 8 }, () => place(same, web, SPREAD, NONE, tieBreak).hostId);
    };
    expect(sequence(42)).toEqual(sequence(42));
    expect(new Set(sequence(42)).size).toBeGreaterThan(1);
    const firstChoices = new Set(Array.from({ length: 20 }, (_, seed) => sequence(seed)[0]));
    expect(firstChoices.size).toBeGreaterThan(1);
  });

  it("names the filter that removed each host", () => {
    const hosts = [
      hostState("h1", { memoryFreeKib: 512 * MIB_IN_KIB }),
      hostState("h2", { hvmCapable: false }),
    ];
    const web = placementRequest("web", { type: "hvm", memoryKib: 1024 * MIB_IN_KIB });
    const error = refusalOf(() => place(hosts, web, "spread", NONE, prng()));
    expect(error.message).toBe('no host fits "web": h1 memory 512 MiB free < 1024 MiB; h2 no HVM');
    expect(error.rejections.map((r) => [r.hostId, r.filter])).toEqual([
      ["h1", "memory"],
      ["h2", "hvm"],
    ]);
    expect(refusalOf(() => place([], web, "spread", NONE, prng())).message).toBe(
      'no host fits "web": no hosts',
    );
  });

  it("summarises a large cluster's refusal: a count per filter and a few examples", () => {
    const hosts = Array.from({ length: 20 }, (_, i) =>
      hostState(`h${i + 1}`, i < 15 ? { memoryFreeKib: 0 } : { up: false }),
    );
    const error = refusalOf(() => place(hosts, placementRequest("web"), "spread", NONE, prng()));
    expect(error.message).toBe(
      'no host fits "web": 20 hosts refused: memory 15 (e.g. h1 memory 0 MiB free < 1024 MiB; ' +
        "h2 memory 0 MiB free < 1024 MiB), compute 5 (e.g. h16 down; h17 down)",
    );
    expect([...error.countByFilter]).toEqual([
      ["compute", 5],
      ["memory", 15],
    ]);
  });

  it("refuses an unknown policy and a malformed request by name", () => {
    expect(() => place(three, placementRequest("web"), "best", NONE, prng())).toThrow(
      new UnknownPolicyError("best", ["spread", "pack", "first-fit"]),
    );
    expect(() => place(three, placementRequest("web", { memoryKib: 0 }), "spread", NONE, prng())).toThrow(
      InvalidPlacementRequestError,
    );
    expect(() => place(three, placementRequest("web", { vcpus: 1.5 }), "spread", NONE, prng())).toThrow(
      'placement request "web": vcpus 1.5 is not a positive integer',
    );
  });

  it("chooses the same host whatever order the survivors come in", () => {
    const same = ["h3", "h1", "h2"].map((id) => hostState(id));
    const chosen = (order: HostState[]) => chooseAmong(order, SPREAD, 4, new Prng(5)).hostId;
    expect(chosen(same)).toBe(chosen([...same].reverse()));
    expect(chooseAmong(same, FIRST_FIT, 4, new Prng(5)).hostId).toBe("h1");
  });
});
