import { describe, expect, it } from "vitest";
import { ShutdownReason } from "../../core/domain-state.js";
import { xentopStateLetters } from "./top-info.js";

const IDLE = {
  running: false,
  blocked: false,
  paused: false,
  shutdown: false,
  shutdownReason: undefined,
  dying: false,
};

describe("xentopStateLetters", () => {
  it("uses xentop's letter order d s b c p r", () => {
    expect(xentopStateLetters({ ...IDLE, running: true })).toBe("-----r");
    expect(xentopStateLetters({ ...IDLE, blocked: true })).toBe("--b---");
    expect(xentopStateLetters({ ...IDLE, paused: true })).toBe("----p-");
    expect(xentopStateLetters({ ...IDLE, dying: true })).toBe("d-----");
  });

  it("shows a crash as c, any other shutdown as s", () => {
    expect(xentopStateLetters({ ...IDLE, shutdown: true, shutdownReason: ShutdownReason.Crash })).toBe(
      "---c--",
    );
    expect(xentopStateLetters({ ...IDLE, shutdown: true, shutdownReason: ShutdownReason.Poweroff })).toBe(
      "-s----",
    );
  });
});
