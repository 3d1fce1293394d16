/** Encoders for the small records; PAGE_DATA has its own writer (page-batch-writer.ts). */
import {
  JSON_BODY_BYTE_COUNT_MAX,
  RECORD_HEADER_BYTE_COUNT,
  ROUND_END_BYTE_COUNT,
  ROUND_END_FLAG_FINAL,
  RecordType,
  paddedByteCount,
  recordTypeName,
} from "./format.js";

export type JsonObject = { [key: string]: unknown };

export const JSON_RECORD_TYPES: readonly number[] = [
  RecordType.DOMAIN_INFO,
  RecordType.VCPU_CONTEXT,
  RecordType.XENSTORE_DATA,
  RecordType.DEVICE_INFO,
];

/** Allocates a zeroed record with its header filled in; the caller writes the body at offset 8. */
export function allocateRecord(type: number, bodyByteCount: number): Buffer {
  const record = Buffer.alloc(RECORD_HEADER_BYTE_COUNT + paddedByteCount(bodyByteCount));
  record.writeUInt32LE(type, 0);
  record.writeUInt32LE(bodyByteCount, 4);
  return record;
}

export function encodeJsonRecord(type: number, value: JsonObject): Buffer {
  if (!JSON_RECORD_TYPES.includes(type)) {
    throw new Error(`encodeJsonRecord: ${recordTypeName(type)} is not a JSON record type`);
  }
  const body = Buffer.from(JSON.stringify(value), "utf8");
  if (body.byteLength > JSON_BODY_BYTE_COUNT_MAX) {
    throw new Error(
      `encodeJsonRecord: ${recordTypeName(type)} body of ${body.byteLength} bytes is over the limit`,
    );
  }
  const record = allocateRecord(type, body.byteLength);
  body.copy(record, RECORD_HEADER_BYTE_COUNT);
  return record;
}

export function encodeEnd(): Buffer {
  return allocateRecord(RecordType.END, 0);
}

export interface RoundEnd {
  /** 1-based pre-copy round number, as Xen's precopy_stats.iteration + 1. */
  round: number;
  /** True for the stop-and-copy round sent while the guest was paused. */
  final: boolean;
  /** Pages (normal and zero) sent in PAGE_DATA records of this round. */
  pageCountSent: number;
  /** Pages found dirty when the round ended (the policy's dirty_count). */
  pageCountDirty: number;
}

export function encodeRoundEnd(roundEnd: RoundEnd): Buffer {
  const record = allocateRecord(RecordType.ROUND_END, ROUND_END_BYTE_COUNT);
  const at = RECORD_HEADER_BYTE_COUNT;
  record.writeUInt32LE(roundEnd.round, at);
  record.writeUInt32LE(roundEnd.final ? ROUND_END_FLAG_FINAL : 0, at + 4);
  record.writeUInt32LE(roundEnd.pageCountSent, at + 8);
  record.writeUInt32LE(roundEnd.pageCountDirty, at + 12);
  return record;
}
