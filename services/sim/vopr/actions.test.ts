import { describe, expect, it } from "vitest";
import { protectedGuestsLost } from "./actions.js";
import type { DomainCopy } from "./world.js";

const WEB = "00000000-0000-4000-8000-000000000eb0";

function copy(hostId: string, name: string, overrides: Partial<DomainCopy> = {}): DomainCopy {
  return {
    hostId,
    domid: 3,
    name,
    uuid: WEB,
    paused: false,
    isPrimary: !name.includes("--"),
    isProtected: true,
    isDoomed: false,
    leaseEpoch: "e1",
    checksum: () => "0",
    ...overrides,
  };
}

describe("the VOPR's losses of a killed host: the protected guests whose last copy it held", () => {
  it("a protected guest it runs", () => {
    expect(protectedGuestsLost("h3", [copy("h3", "web")])).toEqual([{ uuid: WEB, name: "web" }]);
  });

  it("a guest of which it holds only NAME--migratedaway, no copy elsewhere (VOPR seed 64 x 75 once)", () => {
    const standIn = copy("h3", "web--migratedaway", { paused: true });
    expect(protectedGuestsLost("h3", [standIn])).toEqual([{ uuid: WEB, name: "web" }]);
  });

  it("the same with the destination's copy doomed (paused under a revoked lease: it never runs)", () => {
    const standIn = copy("h3", "web--migratedaway", { paused: true });
    const doomed = copy("h2", "web", { paused: true, isDoomed: true });
    expect(protectedGuestsLost("h3", [standIn, doomed])).toEqual([{ uuid: WEB, name: "web" }]);
  });

  it("not a guest whose stand-in it holds while another host's copy may run", () => {
    const standIn = copy("h3", "web--migratedaway", { paused: true });
    expect(protectedGuestsLost("h3", [standIn, copy("h2", "web")])).toEqual([]);
    expect(protectedGuestsLost("h3", [copy("h3", "web--incoming"), copy("h2", "web")])).toEqual([]);
  });

  it("a guest it runs whose migration's destination holds NAME--incoming: lost, the stand-in's end the same loss (VOPR seed 146 x 800)", () => {
    expect(protectedGuestsLost("h2", [copy("h2", "web"), copy("h3", "web--incoming")])).toEqual([
      { uuid: WEB, name: "web", standInElsewhere: true },
    ]);
    expect(protectedGuestsLost("h2", [copy("h2", "web"), copy("h3", "web")])).toEqual([
      { uuid: WEB, name: "web" },
    ]);
  });

  it("not an unprotected guest", () => {
    expect(protectedGuestsLost("h3", [copy("h3", "web", { isProtected: false })])).toEqual([]);
  });
});
