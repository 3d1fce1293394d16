import { describe, expect, it } from "vitest";
import { recordMembership, withPlacement } from "./apply.js";
import { GIB_IN_KIB, hostState, placementRequest } from "./fixtures.js";

describe("withPlacement and recordMembership", () => {
  it("takes the domain's memory and vCPUs and counts it", () => {
    const host = hostState("h1", { memoryFreeKib: 4 * GIB_IN_KIB, vcpusAllocated: 2, domainCount: 1 });
    const after = withPlacement(host, placementRequest("web", { vcpus: 3 }));
    expect(after).toEqual({ ...host, memoryFreeKib: 3 * GIB_IN_KIB, vcpusAllocated: 5, domainCount: 2 });
    expect(host.memoryFreeKib).toBe(4 * GIB_IN_KIB);
    expect(() => withPlacement(host, placementRequest("big", { memoryKib: 5 * GIB_IN_KIB }))).toThrow(
      "needs",
    );
  });

  it("records both groups of a domain on its host", () => {
    const byGroup = new Map<string, Set<string>>();
    recordMembership(
      byGroup,
      placementRequest("web1", { antiAffinityGroup: "web", affinityGroup: "rack" }),
      "h1",
    );
    recordMembership(byGroup, placementRequest("web2", { antiAffinityGroup: "web" }), "h2");
    recordMembership(byGroup, placementRequest("solo"), "h3");
    expect(byGroup).toEqual(
      new Map([
        ["rack", new Set(["h1"])],
        ["web", new Set(["h1", "h2"])],
      ]),
    );
  });
});
