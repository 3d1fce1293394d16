/**
 * VERIFY: the source's proof of its final memory. Xen's VERIFY (0x0D) is an empty record after
 * which the sender re-sends every page for the receiver to compare (verify_frames in xg_sr_save.c);
 * ours instead carries an xxh64 digest of the per-pfn checksum table, optionally with the table.
 */
import { xxh64 } from "../../core/memory/xxhash.js";
import { StreamFormatError, StreamVerifyError } from "./errors.js";
import {
  PFN_MAX,
  RECORD_HEADER_BYTE_COUNT,
  RecordType,
  VERIFY_FIXED_BYTE_COUNT,
  VERIFY_FLAG_TABLE,
  VERIFY_TABLE_PAGE_COUNT_MAX,
} from "./format.js";
import { allocateRecord } from "./record-encode.js";
import type { VerifyRecord } from "./stream-record.js";

/** xxh64 (seed 0) of table[0..pageCount) as little-endian u64s, in pfn order. */
export function digestChecksumTable(table: BigUint64Array, pageCount: number): bigint {
  if (!Number.isInteger(pageCount) || pageCount < 0 || pageCount > table.length) {
    throw new Error(`digestChecksumTable: pageCount ${pageCount} is not in 0..${table.length}`);
  }
  return xxh64(new Uint8Array(table.buffer, table.byteOffset, 8 * pageCount));
}

export interface EncodeVerifyOptions {
  /** Also send table[0..pageCount), so a mismatch can name the first pfn that differs. */
  includeTable?: boolean;
}

export function encodeVerify(
  table: BigUint64Array,
  pageCount: number,
  options: EncodeVerifyOptions = {},
): Buffer {
  const includeTable = options.includeTable ?? false;
  if (pageCount > PFN_MAX + 1) throw new Error(`encodeVerify: pageCount ${pageCount} is over 2^52`);
  if (includeTable && pageCount > VERIFY_TABLE_PAGE_COUNT_MAX) {
    throw new Error(`encodeVerify: a table of ${pageCount} pages is over ${VERIFY_TABLE_PAGE_COUNT_MAX}`);
  }
  const digest = digestChecksumTable(table, pageCount);
  const tableByteCount = includeTable ? 8 * pageCount : 0;
  const record = allocateRecord(RecordType.VERIFY, VERIFY_FIXED_BYTE_COUNT + tableByteCount);
  const at = RECORD_HEADER_BYTE_COUNT;
  record.writeUInt32LE(pageCount >>> 0, at);
  record.writeUInt32LE(Math.floor(pageCount / 2 ** 32), at + 4);
  record.writeBigUInt64LE(digest, at + 8);
  record.writeUInt32LE(includeTable ? VERIFY_FLAG_TABLE : 0, at + 16);
  if (includeTable) record.set(new Uint8Array(table.buffer, table.byteOffset, tableByteCount), at + 24);
  return record;
}

export function decodeVerify(body: Uint8Array, offset: number): VerifyRecord {
  const bodyOffset = offset + RECORD_HEADER_BYTE_COUNT;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const pageCount = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (pageCount > PFN_MAX + 1)
    throw new StreamFormatError(bodyOffset, `VERIFY page_count ${pageCount} is over 2^52`);
  const digest = view.getBigUint64(8, true);
  const flags = view.getUint32(16, true);
  if ((flags & ~VERIFY_FLAG_TABLE) !== 0) {
    throw new StreamFormatError(bodyOffset + 16, `VERIFY unknown flags 0x${flags.toString(16)}`);
  }
  if (view.getUint32(20, true) !== 0)
    throw new StreamFormatError(bodyOffset + 20, "VERIFY reserved field is not zero");
  const hasTable = (flags & VERIFY_FLAG_TABLE) !== 0;
  const byteCountExpected = VERIFY_FIXED_BYTE_COUNT + (hasTable ? 8 * pageCount : 0);
  if (body.byteLength !== byteCountExpected) {
    throw new StreamFormatError(
      offset,
      `VERIFY body_length ${body.byteLength} does not match page_count ${pageCount} (expected ${byteCountExpected})`,
    );
  }
  let table: BigUint64Array | undefined;
  if (hasTable) {
    table = new BigUint64Array(pageCount);
    new Uint8Array(table.buffer).set(body.subarray(VERIFY_FIXED_BYTE_COUNT));
  }
  return { kind: "verify", offset, pageCount, digest, table };
}

/** Throws StreamVerifyError unless `localTable` (the destination's checksums) matches the record. */
export function checkVerifyRecord(record: VerifyRecord, localTable: BigUint64Array): void {
  if (localTable.length < record.pageCount) {
    throw new StreamVerifyError(
      record.offset,
      `the source has ${record.pageCount} pages, the destination table only ${localTable.length}`,
      undefined,
    );
  }
  if (digestChecksumTable(localTable, record.pageCount) === record.digest) return;
  const pfn = record.table === undefined ? undefined : firstDifference(record.table, localTable);
  const where = pfn === undefined ? "" : `, first at pfn 0x${pfn.toString(16)}`;
  throw new StreamVerifyError(record.offset, `memory digest differs${where}`, pfn);
}

function firstDifference(sourceTable: BigUint64Array, localTable: BigUint64Array): number | undefined {
  for (let pfn = 0; pfn < sourceTable.length; pfn++) if (sourceTable[pfn] !== localTable[pfn]) return pfn;
  return undefined;
}
