import { describe, expect, it } from "vitest";
import { decideLease, mayRenew, type LeaseFacts } from "./lease-decision.js";

const T = 30_000;
const base: LeaseFacts = {
  haEnabled: true,
  timeoutMs: T,
  isolationConfirmMs: 8000,
  nowMs: 100_000,
  lastRenewOkMs: 99_000,
  revoked: false,
  standing: "majority",
  minoritySinceMs: undefined,
  holding: false,
  renewedSinceHold: false,
};

describe("decideLease (docs/specs/ha.md §4)", () => {
  it("never starts a hold with HA off, even with a stale lease and alone", () => {
    expect(decideLease({ ...base, haEnabled: false, lastRenewOkMs: 0, standing: "minority" })).toBe("run");
  });

  it("with HA off, fences a revoked lease and ends a hold only after a renewal (§4 rule 1)", () => {
    const off = { ...base, haEnabled: false, lastRenewOkMs: 0, standing: "minority" as const };
    expect(decideLease({ ...off, revoked: true })).toBe("fence");
    expect(decideLease({ ...off, revoked: true, holding: true })).toBe("fence");
    expect(decideLease({ ...off, holding: true })).toBe("hold");
    expect(decideLease({ ...off, holding: true, renewedSinceHold: true })).toBe("run");
  });

  it("fences on a revoked lease", () => {
    expect(decideLease({ ...base, revoked: true })).toBe("fence");
  });

  it("runs while the lease is younger than T, whatever the network says", () => {
    expect(
      decideLease({ ...base, standing: "minority", minoritySinceMs: 0, lastRenewOkMs: 100_000 - T + 1 }),
    ).toBe("run");
  });

  it("survives a lost statefile while it sees the majority (XAPI survival rule 2)", () => {
    expect(decideLease({ ...base, lastRenewOkMs: 0 })).toBe("run");
  });

  it("fences when its lease lapsed and it has been outside the majority for the peer window", () => {
    const facts = { ...base, lastRenewOkMs: 100_000 - T, standing: "minority" as const };
    expect(decideLease({ ...facts, minoritySinceMs: 100_000 - 8000 })).toBe("fence");
    expect(decideLease({ ...facts, standing: "tie", minoritySinceMs: 100_000 - 8000 })).toBe("fence");
  });

  it("holds (does not fence) right after waking from a stall: its peers only look silent", () => {
    const woken = { ...base, lastRenewOkMs: 0, standing: "minority" as const, minoritySinceMs: 100_000 };
    expect(decideLease(woken)).toBe("hold");
  });

  it("keeps holding once it sees the majority again until a renewal confirms the lease", () => {
    expect(decideLease({ ...base, lastRenewOkMs: 0, holding: true })).toBe("hold");
    expect(decideLease({ ...base, lastRenewOkMs: 99_000, holding: true })).toBe("run");
  });

  it("renews only with at least half the members", () => {
    expect([mayRenew("majority"), mayRenew("tie"), mayRenew("minority")]).toEqual([true, true, false]);
  });
});
