import { describe, expect, it } from "vitest";
import { formatStateLetters, ShutdownReason } from "./domain-state.js";

const base = {
  running: false,
  blocked: false,
  paused: false,
  shutdown: false,
  shutdownReason: undefined,
  dying: false,
};

describe("formatStateLetters", () => {
  it("prints a running domain as xl does", () => {
    expect(formatStateLetters({ ...base, running: true })).toBe("r-----");
  });
  it("prints a crashed domain with the reason letter in 5th place", () => {
    expect(formatStateLetters({ ...base, shutdown: true, shutdownReason: ShutdownReason.Crash })).toBe(
      "---sc-",
    );
  });
  it("prints a paused blocked domain", () => {
    expect(formatStateLetters({ ...base, blocked: true, paused: true })).toBe("-bp---");
  });
  it("prints poweroff as a dash and dying as d", () => {
    expect(
      formatStateLetters({ ...base, shutdown: true, shutdownReason: ShutdownReason.Poweroff, dying: true }),
    ).toBe("---s-d");
  });
});
