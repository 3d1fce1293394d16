import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { syntheticHosts, syntheticRequests } from "./synthetic.js";

describe("synthetic clusters", () => {
  it("are the same for the same seed and differ for another", () => {
    expect(syntheticHosts(50, new Prng(1))).toEqual(syntheticHosts(50, new Prng(1)));
    expect(syntheticRequests(50, new Prng(1))).toEqual(syntheticRequests(50, new Prng(1)));
    expect(syntheticRequests(50, new Prng(2))).not.toEqual(syntheticRequests(50, new Prng(1)));
  });

  it("mix host sizes, HVM support, guest types and groups", () => {
    const hosts = syntheticHosts(2000, new Prng(5));
    const requests = syntheticRequests(2000, new Prng(5));
    expect(new Set(hosts.map((host) => host.memoryTotalKib)).size).toBeGreaterThan(3);
    expect(hosts.filter((host) => !host.hvmCapable).length).toBeGreaterThan(100);
    expect(hosts.every((host) => host.memoryFreeKib > 0 && host.memoryFreeKib < host.memoryTotalKib)).toBe(
      true,
    );
    expect(new Set(requests.map((request) => request.type))).toEqual(new Set(["pv", "pvh", "hvm"]));
    expect(requests.filter((request) => request.antiAffinityGroup).length).toBeGreaterThan(100);
    expect(requests.filter((request) => request.affinityGroup).length).toBeGreaterThan(40);
  });
});
