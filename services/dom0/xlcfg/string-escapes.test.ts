import { describe, expect, it } from "vitest";
import { decodeEscape } from "./string-escapes.js";

describe("decodeEscape", () => {
  it("decodes the single-character escapes", () => {
    expect(decodeEscape("n", 0)).toEqual({ ok: true, text: "\n", length: 1 });
    expect(decodeEscape("t", 0)).toEqual({ ok: true, text: "\t", length: 1 });
    expect(decodeEscape('"', 0)).toEqual({ ok: true, text: '"', length: 1 });
    expect(decodeEscape("\\", 0)).toEqual({ ok: true, text: "\\", length: 1 });
  });

  it("decodes \\xHH with exactly two hex digits", () => {
    expect(decodeEscape("x41z", 0)).toEqual({ ok: true, text: "A", length: 3 });
    expect(decodeEscape("x4", 0).ok).toBe(false);
  });

  it("decodes one to three octal digits", () => {
    expect(decodeEscape("101", 0)).toEqual({ ok: true, text: "A", length: 3 });
    expect(decodeEscape("0", 0)).toEqual({ ok: true, text: "\0", length: 1 });
    expect(decodeEscape("7x", 0)).toEqual({ ok: true, text: "\x07", length: 1 });
    expect(decodeEscape("777", 0).ok).toBe(false);
  });

  it("rejects an unknown escape", () => {
    expect(decodeEscape("q", 0)).toEqual({ ok: false, reason: "invalid escape '\\q' in quoted string" });
  });
});
