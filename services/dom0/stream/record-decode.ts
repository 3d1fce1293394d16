/** Parses the body of each known record type into a StreamRecord. */
import { StreamFormatError } from "./errors.js";
import {
  JSON_BODY_BYTE_COUNT_MAX,
  PAGE_DATA_BODY_BYTE_COUNT_MAX,
  PAGE_DATA_FIXED_BYTE_COUNT,
  RECORD_HEADER_BYTE_COUNT,
  ROUND_END_BYTE_COUNT,
  ROUND_END_BYTE_COUNT_MAX,
  ROUND_END_FLAG_FINAL,
  RecordType,
  VERIFY_FIXED_BYTE_COUNT,
  VERIFY_TABLE_PAGE_COUNT_MAX,
  recordTypeName,
} from "./format.js";
import { decodePageData } from "./page-data-decode.js";
import type { JsonObject } from "./record-encode.js";
import type { StreamRecord } from "./stream-record.js";
import { decodeVerify } from "./verify.js";

interface ByteCountRange {
  min: number;
  max: number;
}

const JSON_RANGE: ByteCountRange = { min: 2, max: JSON_BODY_BYTE_COUNT_MAX };

/** Body lengths a record type may have, checked before its body is buffered. */
export function bodyByteCountRange(type: RecordType): ByteCountRange {
  switch (type) {
    case RecordType.END:
      return { min: 0, max: 0 };
    case RecordType.PAGE_DATA:
      return { min: PAGE_DATA_FIXED_BYTE_COUNT + 8, max: PAGE_DATA_BODY_BYTE_COUNT_MAX };
    case RecordType.VERIFY:
      return { min: VERIFY_FIXED_BYTE_COUNT, max: VERIFY_FIXED_BYTE_COUNT + 8 * VERIFY_TABLE_PAGE_COUNT_MAX };
    case RecordType.ROUND_END:
      return { min: ROUND_END_BYTE_COUNT, max: ROUND_END_BYTE_COUNT_MAX };
    case RecordType.DOMAIN_INFO:
    case RecordType.VCPU_CONTEXT:
    case RecordType.XENSTORE_DATA:
    case RecordType.DEVICE_INFO:
      return JSON_RANGE;
  }
}

/** `body` excludes the padding; `offset` is the record's offset in the stream. */
export function decodeRecordBody(type: RecordType, body: Uint8Array, offset: number): StreamRecord {
  switch (type) {
    case RecordType.END:
      return { kind: "end", offset };
    case RecordType.PAGE_DATA:
      return decodePageData(body, offset);
    case RecordType.VERIFY:
      return decodeVerify(body, offset);
    case RecordType.ROUND_END:
      return decodeRoundEnd(body, offset);
    case RecordType.DOMAIN_INFO:
      return { kind: "domain-info", offset, info: decodeJsonObject(type, body, offset) };
    case RecordType.VCPU_CONTEXT:
      return { kind: "vcpu-context", offset, context: decodeJsonObject(type, body, offset) };
    case RecordType.XENSTORE_DATA:
      return { kind: "xenstore-data", offset, entries: decodeXenstoreEntries(body, offset) };
    case RecordType.DEVICE_INFO:
      return { kind: "device-info", offset, devices: decodeJsonObject(type, body, offset) };
  }
}

function decodeRoundEnd(body: Uint8Array, offset: number): StreamRecord {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return {
    kind: "round-end",
    offset,
    round: view.getUint32(0, true),
    final: (view.getUint32(4, true) & ROUND_END_FLAG_FINAL) !== 0,
    pageCountSent: view.getUint32(8, true),
    pageCountDirty: view.getUint32(12, true),
  };
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

function decodeJsonObject(type: RecordType, body: Uint8Array, offset: number): JsonObject {
  const where = offset + RECORD_HEADER_BYTE_COUNT;
  let value: unknown;
  try {
    value = JSON.parse(utf8Decoder.decode(body));
  } catch (error) {
    throw new StreamFormatError(where, `${recordTypeName(type)} body is not UTF-8 JSON: ${String(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StreamFormatError(where, `${recordTypeName(type)} body is not a JSON object`);
  }
  return value as JsonObject;
}

function decodeXenstoreEntries(body: Uint8Array, offset: number): { [path: string]: string } {
  const entries = decodeJsonObject(RecordType.XENSTORE_DATA, body, offset);
  for (const [path, value] of Object.entries(entries)) {
    if (path === "" || path.startsWith("/")) {
      throw new StreamFormatError(offset, `XENSTORE_DATA path "${path}" is not a relative path`);
    }
    if (typeof value !== "string") {
      throw new StreamFormatError(offset, `XENSTORE_DATA value of "${path}" is not a string`);
    }
  }
  return entries as { [path: string]: string };
}
