import { xxh64 } from "@node-rs/xxhash";
import { describe, expect, it } from "vitest";
import { StreamVerifyError } from "./errors.js";
import { RecordType } from "./format.js";
import { ZERO_PAGE_CHECKSUM } from "./page-checksum.js";
import { checkVerifyRecord, decodeVerify, digestChecksumTable, encodeVerify } from "./verify.js";

const table = BigUint64Array.from([1n, 2n, 0xffffffffffffffffn, ZERO_PAGE_CHECKSUM, 5n]);

describe("VERIFY", () => {
  it("digests the first pageCount entries as little-endian u64s", () => {
    const bytes = Buffer.alloc(24);
    bytes.writeBigUInt64LE(1n, 0);
    bytes.writeBigUInt64LE(2n, 8);
    bytes.writeBigUInt64LE(0xffffffffffffffffn, 16);
    expect(digestChecksumTable(table, 3)).toBe(xxh64(bytes));
    expect(digestChecksumTable(table, 3)).not.toBe(digestChecksumTable(table, 4));
    expect(() => digestChecksumTable(table, 6)).toThrow(/0\.\.5/);
  });

  it("encodes page_count, digest and flags, and decodes them back with and without the table", () => {
    const bare = encodeVerify(table, 4);
    expect(bare.readUInt32LE(0)).toBe(RecordType.VERIFY);
    expect(bare.readUInt32LE(4)).toBe(24);
    expect(decodeVerify(bare.subarray(8), 0)).toEqual({
      kind: "verify",
      offset: 0,
      pageCount: 4,
      digest: digestChecksumTable(table, 4),
      table: undefined,
    });
    const full = encodeVerify(table, 4, { includeTable: true });
    expect(full.readUInt32LE(4)).toBe(24 + 32);
    expect(decodeVerify(full.subarray(8), 0).table).toEqual(table.subarray(0, 4));
  });

  it("rejects a body_length that does not match page_count", () => {
    const full = encodeVerify(table, 4, { includeTable: true });
    expect(() => decodeVerify(full.subarray(8, full.byteLength - 8), 40)).toThrow(
      /^offset 40: VERIFY body_length 48 does not match page_count 4 \(expected 56\)/,
    );
  });

  it("passes a matching destination and names the first differing pfn when the table is present", () => {
    const record = decodeVerify(encodeVerify(table, 5, { includeTable: true }).subarray(8), 64);
    expect(() => checkVerifyRecord(record, table)).not.toThrow();
    const local = table.slice();
    local[3] = 99n;
    expect(() => checkVerifyRecord(record, local)).toThrow(StreamVerifyError);
    expect(() => checkVerifyRecord(record, local)).toThrow(
      "offset 64: VERIFY failed: memory digest differs, first at pfn 0x3",
    );
    const bare = decodeVerify(encodeVerify(table, 5).subarray(8), 64);
    expect(() => checkVerifyRecord(bare, local)).toThrow(/memory digest differs$/);
    expect(() => checkVerifyRecord(bare, table.subarray(0, 4))).toThrow(/destination table only 4/);
  });
});
