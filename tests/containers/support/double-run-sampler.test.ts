import { describe, expect, it } from "vitest";
import { doublesIn, listedDomains, startDoubleRunSampler, type ListedDomain } from "./double-run-sampler.js";

const dom0: ListedDomain = { domid: 0, name: "Domain-0", uuid: "00000000-0000-0000-0000-000000000000" };

function domU(domid: number, name: string, uuid: string): ListedDomain {
  return { domid, name, uuid };
}

describe("listedDomains", () => {
  it("reads name and uuid from libxl's JSON as xsim list -l prints it", () => {
    const json = JSON.stringify([
      { domid: 0, config: { c_info: { type: "pv", name: "Domain-0" } } },
      { domid: 4, config: { c_info: { type: "pv", name: "web", uuid: "u1" }, b_info: {} } },
    ]);
    expect(listedDomains(json)).toEqual([
      { domid: 0, name: "Domain-0", uuid: "" },
      { domid: 4, name: "web", uuid: "u1" },
    ]);
  });
});

describe("doublesIn", () => {
  it("finds nothing when each guest runs on one host (Dom0 is on every host)", () => {
    expect(
      doublesIn([
        { hostId: "a", domains: [dom0, domU(1, "web", "u1")] },
        { hostId: "b", domains: [dom0, domU(1, "db", "u2")] },
      ]),
    ).toEqual([]);
  });

  it("names a guest seen on two hosts by name, by uuid, or as a migration copy", () => {
    expect(
      doublesIn([
        { hostId: "a", domains: [domU(1, "web", "u1"), domU(2, "db", "u2"), domU(3, "mail", "u3")] },
        {
          hostId: "b",
          domains: [domU(4, "web", "u9"), domU(5, "db2", "u2"), domU(6, "mail--incoming", "u8")],
        },
      ]),
    ).toEqual(["name web on a and b", "uuid u2 on a and b", "name mail on a and b"]);
  });

  it("does not count two copies on one host (a migration to itself is not a double run)", () => {
    expect(
      doublesIn([{ hostId: "a", domains: [domU(1, "web", "u1"), domU(2, "web--incoming", "u1")] }]),
    ).toEqual([]);
  });
});

describe("startDoubleRunSampler", () => {
  it("samples until stopped and reports lists that could not be read apart", async () => {
    let callCount = 0;
    const sampler = startDoubleRunSampler([
      { hostId: "a", list: () => Promise.resolve([domU(1, "web", "u1")]) },
      {
        hostId: "b",
        list: () => (++callCount === 2 ? Promise.reject(new Error("b unreachable")) : Promise.resolve([])),
      },
    ]);
    while (callCount < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    const report = await sampler.stop();
    expect(report.errors).toEqual(["b unreachable"]);
    expect(report.doubles).toEqual([]);
    expect(report.sampleCount).toBe(callCount - 1);
  });
});
