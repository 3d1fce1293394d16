import { describe, expect, it } from "vitest";
import { bandwidthArg, UINT32_MAX, wholeNumberArg } from "./number-args.js";

describe("whole-number command-line arguments", () => {
  it("returns a number within the range", () => {
    expect(wholeNumberArg("300", "--downtime-limit", 1, 2000)).toBe(300);
    expect(wholeNumberArg("0", "--x", 0, UINT32_MAX)).toBe(0);
  });

  it.each([
    ["-1", "--downtime-limit: -1 is out of range (1..2000)"],
    ["abc", '--downtime-limit: "abc" is not a whole number'],
    ["1.5", '--downtime-limit: "1.5" is not a whole number'],
    ["", '--downtime-limit: "" is not a whole number'],
    ["99999999999", "--downtime-limit: 99999999999 is out of range (1..2000)"],
    ["99999999999999999999", "--downtime-limit: 99999999999999999999 is out of range (1..2000)"],
  ])("refuses %j naming the flag", (text, message) => {
    expect(() => wholeNumberArg(text, "--downtime-limit", 1, 2000)).toThrow(message);
  });
});

describe("bandwidthArg", () => {
  it("passes what the host parses, and empty (the default)", () => {
    for (const text of ["100Mbit/s", "125MB/s", "1G", "dynamic", "unlimited", ""])
      expect(bandwidthArg(text)).toBe(text);
  });

  it.each(["fast", "-5MB/s", "10 parsecs", "1e9"])("refuses %j naming the flag", (text) => {
    expect(() => bandwidthArg(text)).toThrow(new RegExp(`^--bandwidth: invalid bandwidth "${text}"`));
  });
});
