import { describe, expect, it } from "vitest";
import { MigrationStats } from "../gen/xensim/v1/migration.js";
import { cancelOutcomeLine } from "./migrate-cancel.js";
import { isFinalStatus } from "./migration-status.js";

const ended = (status: string, error = "") =>
  MigrationStats.fromPartial({ source: "h1", destination: "h2", status, error, totalTimeMs: 812.4 });

describe("xsim migrate-cancel's words", () => {
  it("says where the guest runs once the migration ended cancelled", () => {
    expect(cancelOutcomeLine("web", "h1", ended("cancelled"))).toBe(
      "Cancelled the migration of web (h1 -> h2) after 812 ms: web runs on at h1",
    );
  });

  it("says so when the migration ended otherwise before the cancel took", () => {
    expect(cancelOutcomeLine("web", "h1", ended("completed"))).toBe(
      "The migration of web (h1 -> h2) ended completed before the cancel took: nothing to undo",
    );
    expect(cancelOutcomeLine("web", "h1", ended("failed", "destination lost"))).toMatch(
      /ended failed before the cancel took: destination lost$/,
    );
  });

  it("names a save as such, and the file it was writing", () => {
    const save = MigrationStats.fromPartial({
      source: "h1",
      destination: "web.save",
      policy: "save",
      status: "cancelled",
      totalTimeMs: 40,
    });
    expect(cancelOutcomeLine("web", "h1", save)).toBe(
      "Cancelled the save of web (to web.save) after 40 ms: web runs on at h1",
    );
  });

  it("says when it stopped waiting", () => {
    expect(cancelOutcomeLine("web", "h1", undefined)).toMatch(/had not ended after 30 s/);
  });

  it("takes only completed, failed, cancelled and unknown as a migration's end", () => {
    for (const status of ["completed", "failed", "cancelled", "unknown"])
      expect(isFinalStatus(status)).toBe(true);
    for (const status of ["setup", "active", "stop-and-copy", "cancelling"])
      expect(isFinalStatus(status)).toBe(false);
  });
});
