import { describe, expect, it } from "vitest";
import { tokenize } from "./lexer.js";

function kinds(source: string): string[] {
  return tokenize(source, "t.cfg").map((token) => token.kind);
}

function errorOf(source: string): string {
  try {
    tokenize(source, "guest.cfg");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a lexical error");
}

describe("tokenize", () => {
  it("splits a statement and keeps positions", () => {
    const tokens = tokenize('name = "a"\nvcpus += 2;', "t.cfg");
    expect(
      tokens.map((token) => [token.kind, token.text, token.position.line, token.position.column]),
    ).toEqual([
      ["ident", "name", 1, 1],
      ["=", "=", 1, 6],
      ["string", '"a"', 1, 8],
      ["newline", "\n", 1, 11],
      ["ident", "vcpus", 2, 1],
      ["+=", "+=", 2, 7],
      ["number", "2", 2, 10],
      [";", ";", 2, 11],
      ["eof", "", 2, 12],
    ]);
  });

  it("folds a comment into the newline token, also at end of file", () => {
    expect(kinds("a = 1 # hi\n# whole line")).toEqual(["ident", "=", "number", "newline", "newline", "eof"]);
  });

  it("decodes escapes in both quote styles", () => {
    const [double, , single] = tokenize(`"a\\"b\\n" , 'c\\'d\\x41'`, "t.cfg");
    expect(double).toMatchObject({ kind: "string", value: 'a"b\n' });
    expect(single).toMatchObject({ kind: "string", value: "c'dA" });
  });

  it("keeps the other quote character literally", () => {
    expect(tokenize(`"it's" '"q"'`, "t.cfg").slice(0, 2)).toMatchObject([
      { value: "it's" },
      { value: '"q"' },
    ]);
  });

  it("accepts keys with digits, dots and underscores", () => {
    expect(tokenize("on_crash.x9 = 1", "t.cfg")[0]).toMatchObject({ kind: "ident", text: "on_crash.x9" });
  });

  it("reports an unterminated string at its opening quote", () => {
    expect(errorOf('\n\nname = "abc\nx = 1')).toBe("guest.cfg:3:8: unterminated string");
    expect(errorOf("k = 'abc\\")).toBe("guest.cfg:1:5: unterminated string");
  });

  it("reports a bad escape at its backslash", () => {
    expect(errorOf('k = "ab\\qc"')).toBe("guest.cfg:1:8: invalid escape '\\q' in quoted string");
  });

  it("says a file with Python punctuation is likely Python", () => {
    expect(errorOf("memory = 512 + 1")).toMatch(
      /^guest\.cfg:1:14: unexpected '\+': this file is likely Python/,
    );
    expect(errorOf("disk = foo()")).toMatch(/^guest\.cfg:1:11: unexpected '\(': .*likely Python/);
    expect(errorOf("x = -1")).toMatch(/^guest\.cfg:1:5: unexpected '-'/);
  });

  it("rejects a malformed number at its first digit", () => {
    expect(errorOf("a = 1\nmemory = 09")).toBe("guest.cfg:2:10: malformed number '09'");
    expect(errorOf("memory = 0x")).toBe("guest.cfg:1:10: malformed number '0x'");
  });

  it("rejects upper-case keys, carriage returns and stray characters", () => {
    expect(errorOf("Memory = 1")).toBe(
      "guest.cfg:1:1: unexpected 'M': keys match [a-z][._0-9a-z]* and other text must be quoted",
    );
    expect(errorOf("a = 1\r\n")).toMatch(/^guest\.cfg:1:6: unexpected carriage return/);
    expect(errorOf("a = @")).toBe("guest.cfg:1:5: unexpected character '@'");
  });
});
