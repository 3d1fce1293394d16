import { describe, expect, it } from "vitest";
import type { HostEntry } from "./cluster-view.js";
import { groupMembership } from "./placement-adapter.js";

function host(hostId: string, configJsons: string[]): HostEntry {
  const domains = new Map(configJsons.map((configJson, i) => [`${hostId}-${i}`, { configJson }]));
  return { hostId, domains } as unknown as HostEntry;
}

const config = (xsim: object) => JSON.stringify({ name: "d", xsim });

describe("groupMembership", () => {
  it("maps each affinity and anti-affinity group to the hosts running its members, each config read the same way again", () => {
    const web = config({ affinity: "web", antiAffinity: "db" });
    const hosts = [
      host("h1", [web, config({}), "not json", ""]),
      host("h2", [config({ antiAffinity: "db" })]),
      host("h3", [web]),
    ];
    const expected = { web: ["h1", "h3"], db: ["h1", "h2", "h3"] };
    for (let round = 0; round < 2; round++) {
      const byGroup = groupMembership(hosts);
      expect(Object.fromEntries([...byGroup].map(([group, ids]) => [group, [...ids].sort()]))).toEqual(
        expected,
      );
    }
  });
});
