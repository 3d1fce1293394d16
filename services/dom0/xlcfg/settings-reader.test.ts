import { describe, expect, it, vi } from "vitest";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function reader(text: string): SettingsReader {
  return new SettingsReader(parseXlCfg(text, "r.cfg").settings);
}

describe("SettingsReader", () => {
  it("reads a number where a string is wanted as its source text", () => {
    expect(reader("name = 0x10").string("name")).toBe("0x10");
  });

  it("reads a string holding a C integer where a number is wanted", () => {
    expect(reader("memory = '0x200'").number("memory")).toBe(512);
    expect(() => reader("memory = 'lots'").number("memory")).toThrow(
      `r.cfg:1:10: "memory" must be a number: 'lots' is not a valid number`,
    );
  });

  it("refuses a list as a single value and a single value as a list", () => {
    expect(() => reader("name = ['a']").string("name")).toThrow(
      `r.cfg:1:8: "name" must be a single value, not a list`,
    );
    expect(() => reader("disk = 'a'").list("disk")).toThrow(
      `r.cfg:1:8: "disk" must be a list [ ... ], not a single value`,
    );
  });

  it("checks bounds and reads booleans", () => {
    expect(() => reader("cpu_weight = 0").boundedNumber("cpu_weight", 1, 65535)).toThrow(
      `r.cfg:1:14: "cpu_weight" is 0, must be between 1 and 65535`,
    );
    expect(reader("nomigrate = 1").boolean("nomigrate")).toBe(true);
    expect(reader("nomigrate = 0").boolean("nomigrate")).toBe(false);
  });

  it("refuses a number set with +=", () => {
    expect(() => reader("memory += '5'").number("memory")).toThrow(`r.cfg:1:1: can't use += with numbers`);
  });

  it("lists the settings never read", () => {
    const r = reader("a = 1\nb = 2\nc = 3");
    r.number("b");
    expect(r.unread().map((setting) => setting.key)).toEqual(["a", "c"]);
  });

  it("remembers as read only keys the file sets", () => {
    const r = reader("a = 1\nb = 2");
    const add = vi.spyOn(Set.prototype, "add");
    try {
      expect([r.string("x"), r.number("y"), r.list("z"), r.setting("w")]).toEqual(Array(4).fill(undefined));
      expect(add).not.toHaveBeenCalled();
      r.number("b");
      expect(add).toHaveBeenCalledTimes(1);
    } finally {
      add.mockRestore();
    }
    expect(r.unread().map((setting) => setting.key)).toEqual(["a"]);
  });
});
