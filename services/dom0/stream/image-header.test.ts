import { describe, expect, it } from "vitest";
import { decodeImageHeader, encodeImageHeader } from "./image-header.js";

describe("image header", () => {
  it("is 24 big-endian bytes: marker, XSIM, version 1, little-endian options, zero padding", () => {
    expect(encodeImageHeader().toString("hex")).toBe(
      "ffffffffffffffff" + "5853494d" + "00000001" + "0000" + "0000" + "00000000",
    );
  });

  it("round-trips, also from an unaligned view", () => {
    const bytes = new Uint8Array(27);
    bytes.set(encodeImageHeader(), 3);
    expect(decodeImageHeader(bytes.subarray(3), 100)).toEqual({ version: 1, options: 0 });
  });

  it("rejects unknown options and non-zero reserved bytes with their offsets", () => {
    const options = encodeImageHeader();
    options.writeUInt16BE(2, 16);
    expect(() => decodeImageHeader(options, 0)).toThrow("offset 16: unknown option bits 0x2");
    const reserved = encodeImageHeader();
    reserved[23] = 1;
    expect(() => decodeImageHeader(reserved, 1000)).toThrow(
      "offset 1018: reserved header bytes are not zero",
    );
  });
});
