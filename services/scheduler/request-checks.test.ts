import { describe, expect, it } from "vitest";
import { checkEvacuateRequest, checkRebalanceRequest } from "./request-checks.js";

describe("scheduler request checks", () => {
  it("accepts the defaults (0) and sane values", () => {
    expect(() =>
      checkEvacuateRequest({ hostId: "h1", parallel: 0, bandwidth: "", policy: "" }),
    ).not.toThrow();
    expect(() =>
      checkEvacuateRequest({ hostId: "h1", parallel: 4, bandwidth: "100Mbit/s", policy: "" }),
    ).not.toThrow();
    expect(() =>
      checkRebalanceRequest({ dryRun: true, memoryHighPercent: 0, memoryLowPercent: 0 }),
    ).not.toThrow();
  });

  it("refuses parallel over the limit and a bandwidth that does not parse, naming the field", () => {
    expect(() => checkEvacuateRequest({ hostId: "h1", parallel: 100000, bandwidth: "", policy: "" })).toThrow(
      /^parallel 100000 is out of range: at most 64/,
    );
    expect(() => checkEvacuateRequest({ hostId: "h1", parallel: 1, bandwidth: "fast", policy: "" })).toThrow(
      /^bandwidth: invalid bandwidth "fast"/,
    );
  });

  it("refuses marks outside 0..100 and low at or above high", () => {
    expect(() =>
      checkRebalanceRequest({ dryRun: true, memoryHighPercent: 500, memoryLowPercent: 0 }),
    ).toThrow("memory_high_percent 500 is out of range (0..100)");
    expect(() =>
      checkRebalanceRequest({ dryRun: true, memoryHighPercent: 50, memoryLowPercent: 60 }),
    ).toThrow("memory_low_percent 60 must be below memory_high_percent 50");
  });
});
