import { describe, expect, it } from "vitest";
import { parseXlCfg, parseXlCfgStatements } from "./parser.js";
import { applyStatements } from "./settings.js";

describe("applyStatements", () => {
  it("applies later statements over earlier settings without changing them", () => {
    const file = parseXlCfg("memory = 128\ndisk = ['a']", "f.cfg");
    const merged = applyStatements(
      file.settings,
      parseXlCfgStatements("memory = 256; disk += ['b']", "<command line>"),
    );
    expect(merged.get("memory")?.value).toMatchObject({ value: 256, position: { file: "<command line>" } });
    expect(merged.get("disk")?.value).toMatchObject({ items: [{ value: "a" }, { value: "b" }] });
    expect(file.settings.get("memory")?.value).toMatchObject({ value: 128 });
  });

  it("keeps += as the op of a key first set with +=, so number reads can refuse it", () => {
    const merged = applyStatements(new Map(), parseXlCfgStatements("extra += 'x'", "f.cfg"));
    expect(merged.get("extra")?.op).toBe("+=");
  });

  it("refuses += of a number even for a new key", () => {
    expect(() => applyStatements(new Map(), parseXlCfgStatements("vcpus += 2", "f.cfg"))).toThrow(
      `f.cfg:1:1: can't use += with numbers (key "vcpus")`,
    );
  });
});
