import { describe, expect, it } from "vitest";
import { RecordType } from "./format.js";
import { encodeEnd, encodeJsonRecord, encodeRoundEnd } from "./record-encode.js";

describe("record encoders", () => {
  it("pads a JSON record with zeros to a multiple of 8 and keeps the true body length", () => {
    const record = encodeJsonRecord(RecordType.DOMAIN_INFO, { a: 1 });
    expect(record.byteLength).toBe(16);
    expect(record.readUInt32LE(0)).toBe(RecordType.DOMAIN_INFO);
    expect(record.readUInt32LE(4)).toBe(7);
    expect(record.subarray(8, 15).toString("utf8")).toBe('{"a":1}');
    expect(record[15]).toBe(0);
  });

  it("refuses a JSON record of a non-JSON type", () => {
    expect(() => encodeJsonRecord(RecordType.PAGE_DATA, {})).toThrow(/PAGE_DATA is not a JSON record type/);
  });

  it("encodes END as an empty record and ROUND_END as an optional 16-byte one", () => {
    expect(encodeEnd().toString("hex")).toBe("0000000000000000");
    const roundEnd = encodeRoundEnd({ round: 3, final: true, pageCountSent: 70000, pageCountDirty: 12 });
    expect(roundEnd.readUInt32LE(0)).toBe(0x80000024);
    expect([4, 8, 12, 16, 20].map((at) => roundEnd.readUInt32LE(at))).toEqual([16, 3, 1, 70000, 12]);
  });
});
