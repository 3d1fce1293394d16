import { describe, expect, it } from "vitest";
import { expandRange, SCENARIO_RANGE_COUNT_MAX } from "./scenario-range.js";

describe("expandRange: NAME{A..B} as the shell's brace expansion of numbers", () => {
  it("leaves a word without braces as it is", () => {
    expect(expandRange("web")).toEqual(["web"]);
  });

  it("makes every name of the range in ascending order, with a prefix and a suffix", () => {
    expect(expandRange("h{1..3}")).toEqual(["h1", "h2", "h3"]);
    expect(expandRange("{8..10}-db")).toEqual(["8-db", "9-db", "10-db"]);
    expect(expandRange("rack{2..2}")).toEqual(["rack2"]);
  });

  it("pads to the width of a bound written with a leading zero, as bash does", () => {
    expect(expandRange("vm{08..11}")).toEqual(["vm08", "vm09", "vm10", "vm11"]);
    expect(expandRange("vm{1..010}")).toEqual([
      "vm001",
      "vm002",
      "vm003",
      "vm004",
      "vm005",
      "vm006",
      "vm007",
      "vm008",
      "vm009",
      "vm010",
    ]);
  });

  it.each([
    ["h{3..1}", /must go up \(3 > 1\)/],
    ["h{1..x}", /a range is NAME\{FIRST\.\.LAST\}/],
    ["h{1..2}{1..2}", /once per word/],
    ["h{1..2", /a range is/],
    [`h{1..${SCENARIO_RANGE_COUNT_MAX + 1}}`, new RegExp(`${SCENARIO_RANGE_COUNT_MAX + 1} names, more than`)],
  ])("refuses %s", (word, error) => {
    expect(() => expandRange(word)).toThrow(error);
  });
});
