import { describe, expect, it } from "vitest";
import { UINT32_MAX, wholeNumberArg } from "./number-args.js";

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
