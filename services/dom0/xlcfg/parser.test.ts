import { describe, expect, it } from "vitest";
import { LIST_DEPTH_MAX, parseXlCfg } from "./parser.js";
import type { XlCfgValue } from "./settings.js";

function value(text: string, key: string): unknown {
  const setting = parseXlCfg(text, "t.cfg").settings.get(key);
  if (setting === undefined) throw new Error(`${key} not set`);
  return plain(setting.value);
}

function plain(v: XlCfgValue): unknown {
  return v.kind === "list" ? v.items.map(plain) : v.value;
}

function errorOf(text: string): string {
  try {
    parseXlCfg(text, "guest.cfg");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a parse error");
}

describe("parseXlCfg grammar", () => {
  it("reads decimal, octal and hex numbers, keeping the source text", () => {
    expect(value("memory = 0x100", "memory")).toBe(256);
    expect(value("memory = 010", "memory")).toBe(8);
    const memory = parseXlCfg("memory = 0x100", "t.cfg").settings.get("memory")?.value;
    expect(memory).toMatchObject({ kind: "number", value: 256, text: "0x100" });
  });

  it("reads both quote styles with escapes", () => {
    expect(value(`a = "x\\ty"\nb = 'it\\'s'`, "a")).toBe("x\ty");
    expect(value(`a = "x\\ty"\nb = 'it\\'s'`, "b")).toBe("it's");
  });

  it("reads a nested multi-line list with comments and a trailing comma", () => {
    const text = [
      "vnuma = [ # nodes",
      '  [ "pnode=0", 1 ],',
      "  # second node",
      "  [ ],",
      "  'x',",
      "]",
      "n = 1",
    ];
    expect(value(text.join("\n"), "vnuma")).toEqual([["pnode=0", 1], [], "x"]);
    expect(value(text.join("\n"), "n")).toBe(1);
  });

  it("reads empty lists", () => {
    expect(value("a = []", "a")).toEqual([]);
    expect(value("a = [\n\n]", "a")).toEqual([]);
  });

  it("separates statements with ';' and allows empty statements", () => {
    const file = parseXlCfg(";; a = 1; b = 'x';\n\n;c = [2]", "t.cfg");
    expect([...file.settings.keys()]).toEqual(["a", "b", "c"]);
  });

  it("accepts a last statement without a newline", () => {
    expect(value('name = "x"', "name")).toBe("x");
  });

  it("lets a later assignment win and keeps both statements", () => {
    const file = parseXlCfg("memory = 1\nmemory = 2", "t.cfg");
    expect(plain(file.settings.get("memory")!.value)).toBe(2);
    expect(file.settings.get("memory")!.keyPosition.line).toBe(2);
    expect(file.statements).toHaveLength(2);
  });

  it("appends with +=", () => {
    expect(value("disk = ['a']\ndisk += ['b', 'c']", "disk")).toEqual(["a", "b", "c"]);
    expect(value("extra = 'a'\nextra += ' b'", "extra")).toBe("a b");
    expect(value("disk += ['a']", "disk")).toEqual(["a"]);
  });

  it("records value positions inside lists", () => {
    const disk = parseXlCfg("disk = [\n  'a',\n    'b' ]", "t.cfg").settings.get("disk")!.value;
    expect(disk.kind === "list" && disk.items[1]!.position).toEqual({ file: "t.cfg", line: 3, column: 5 });
  });
});

describe("parseXlCfg errors", () => {
  it("reports a missing '=' at the key", () => {
    expect(errorOf('name = "x"\n\n\n\nmemory\n')).toBe(
      `guest.cfg:5:1: expected '=' after key "memory", found end of line`,
    );
    expect(errorOf("memory 512")).toBe(`guest.cfg:1:1: expected '=' after key "memory", found number 512`);
  });

  it("reports a missing value", () => {
    expect(errorOf("memory =\n")).toBe("guest.cfg:1:9: expected a value after '=', found end of line");
    expect(errorOf("type = hvm")).toBe(
      "guest.cfg:1:8: expected a value after '=', found 'hvm' (a string value must be quoted)",
    );
  });

  it("reports an unclosed list at its '['", () => {
    expect(errorOf("a = 1\ndisk = [ 'a',\n 'b'\n")).toBe(
      "guest.cfg:2:8: unclosed list: '[' has no matching ']'",
    );
  });

  it("reports a missing comma inside a list at the unexpected token", () => {
    expect(errorOf("disk = [ 'a'\nname = 'x' ]")).toBe(
      "guest.cfg:2:1: expected ',' or ']' in the list opened at 1:8, found 'name'",
    );
    expect(errorOf("a = [1,,2]")).toBe(
      "guest.cfg:1:8: expected a value or ']' in the list opened at 1:5, found ','",
    );
  });

  it("reports junk after a value", () => {
    expect(errorOf("memory = 512 1024")).toBe(
      "guest.cfg:1:14: expected a newline or ';' after the value, found number 1024",
    );
  });

  it("reports the first error in file order", () => {
    expect(errorOf("memory 5\nx = 1\ny = @")).toMatch(/^guest\.cfg:1:1: expected '='/);
  });

  it("rejects a unit suffix on a number", () => {
    expect(errorOf("memory = 512M")).toMatch(/^guest\.cfg:1:13: unexpected 'M'/);
    expect(errorOf("memory = 512m")).toBe(
      "guest.cfg:1:13: expected a newline or ';' after the value, found 'm'",
    );
  });

  it("reports a statement that does not start with a key", () => {
    expect(errorOf("= 5")).toBe("guest.cfg:1:1: expected a key, found '='");
  });

  it("reports += mixing strings and lists", () => {
    expect(errorOf("disk = ['a']\ndisk += 'b'")).toMatch(
      /^guest\.cfg:2:1: can't add \[list\] to "string" or vice versa/,
    );
  });

  it("rejects += with numbers", () => {
    expect(errorOf("memory = 1\nmemory += 2")).toBe(
      `guest.cfg:2:1: can't use += with numbers (key "memory")`,
    );
  });

  it("limits list nesting", () => {
    const deep = "a = " + "[".repeat(LIST_DEPTH_MAX + 1) + "]".repeat(LIST_DEPTH_MAX + 1);
    expect(errorOf(deep)).toBe(
      `guest.cfg:1:${4 + LIST_DEPTH_MAX + 1}: lists nested deeper than ${LIST_DEPTH_MAX}`,
    );
    const ok = "a = " + "[".repeat(LIST_DEPTH_MAX) + "]".repeat(LIST_DEPTH_MAX);
    expect(() => parseXlCfg(ok, "t.cfg")).not.toThrow();
  });
});
