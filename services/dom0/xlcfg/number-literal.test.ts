import { describe, expect, it } from "vitest";
import { parseCLong, parseIntegerLiteral } from "./number-literal.js";

describe("parseIntegerLiteral", () => {
  it("reads decimal, 0-prefixed octal and 0x hex", () => {
    expect(parseIntegerLiteral("512")).toEqual({ ok: true, value: 512 });
    expect(parseIntegerLiteral("010")).toEqual({ ok: true, value: 8 });
    expect(parseIntegerLiteral("0x100")).toEqual({ ok: true, value: 256 });
    expect(parseIntegerLiteral("0")).toEqual({ ok: true, value: 0 });
  });

  it("rejects what strtol would stop short on", () => {
    for (const text of ["09", "0x", "1a", "0x1g", "12x"]) {
      expect(parseIntegerLiteral(text)).toEqual({ ok: false, reason: `malformed number '${text}'` });
    }
  });

  it("rejects numbers beyond 2^53", () => {
    expect(parseIntegerLiteral("99999999999999999999").ok).toBe(false);
  });
});

describe("parseCLong", () => {
  it("accepts blanks, a sign and any base like strtol(…, 0)", () => {
    expect(parseCLong(" 512")).toEqual({ ok: true, value: 512 });
    expect(parseCLong("-0x10")).toEqual({ ok: true, value: -16 });
    expect(parseCLong("+010")).toEqual({ ok: true, value: 8 });
  });

  it("rejects trailing junk and empty text", () => {
    expect(parseCLong("512M").ok).toBe(false);
    expect(parseCLong("").ok).toBe(false);
    expect(parseCLong("lots").ok).toBe(false);
  });
});
