import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { StreamFormatError } from "./errors.js";
import { PAGE_DATA_BODY_BYTE_COUNT_MAX, RecordType } from "./format.js";
import { encodeImageHeader } from "./image-header.js";
import { PageBatchWriter } from "./page-batch-writer.js";
import { allocateRecord, encodeEnd, encodeJsonRecord } from "./record-encode.js";
import { StreamDecoder } from "./stream-decoder.js";
import type { StreamRecord } from "./stream-record.js";

const header = encodeImageHeader();
const domainInfo = encodeJsonRecord(RecordType.DOMAIN_INFO, { name: "guest-1" });
const prefix = Buffer.concat([header, domainInfo]);

function rawRecord(type: number, body: Uint8Array): Buffer {
  const record = allocateRecord(type, body.byteLength);
  record.set(body, 8);
  return record;
}

/** A PAGE_DATA body with the given count and pfn entries (as [low, high] words) and nothing else. */
function pageDataBody(count: number, entries: [number, number][]): Buffer {
  const body = Buffer.alloc(8 + 8 * entries.length);
  body.writeUInt32LE(count, 0);
  entries.forEach(([low, high], index) => {
    body.writeUInt32LE(low, 8 + 8 * index);
    body.writeUInt32LE(high, 12 + 8 * index);
  });
  return body;
}

const ZERO_ENTRY: [number, number] = [3, 0xe0000000];

function onePageRecord(): Buffer {
  const writer = new PageBatchWriter({ pageCountMax: 1 });
  writer.begin();
  writer.addPage(9, new Uint8Array(PAGE_SIZE_BYTES).fill(1));
  return Buffer.from(writer.finish());
}

/** Pushes `bytes` and reads records until the decoder needs more, or throws. */
function drain(decoder: StreamDecoder, bytes: Uint8Array): StreamRecord[] {
  decoder.push(bytes);
  const records: StreamRecord[] = [];
  for (let record = decoder.next(); record !== undefined; record = decoder.next()) records.push(record);
  return records;
}

function formatError(action: () => unknown): StreamFormatError {
  try {
    action();
  } catch (error) {
    if (error instanceof StreamFormatError) return error;
    throw error;
  }
  throw new Error("expected a StreamFormatError");
}

function expectFormatError(error: StreamFormatError, offset: number, pattern: RegExp): void {
  expect(error.offset).toBe(offset);
  expect(error.message).toMatch(pattern);
}

function decodeError(bytes: Uint8Array): StreamFormatError {
  return formatError(() => drain(new StreamDecoder(), bytes));
}

describe("StreamDecoder image header errors", () => {
  it("rejects a bad marker at offset 0", () => {
    const bytes = Buffer.from(header);
    bytes[3] = 0;
    expectFormatError(decodeError(bytes), 0, /bad marker/);
  });

  it("rejects a bad id and an unsupported version at their fields", () => {
    const badId = Buffer.from(header);
    badId.writeUInt32BE(0x58454e46, 8); // Xen's "XENF"
    expectFormatError(decodeError(badId), 8, /bad id/);
    const version2 = Buffer.from(header);
    version2.writeUInt32BE(2, 12);
    expect(decodeError(version2).message).toBe("offset 12: unsupported version 2 (this reader knows 1)");
  });

  it("rejects big-endian records", () => {
    const bytes = Buffer.from(header);
    bytes.writeUInt16BE(1, 16);
    expectFormatError(decodeError(bytes), 16, /big-endian/);
  });
});

describe("StreamDecoder truncation", () => {
  it("reports EOF inside the image header", () => {
    const decoder = new StreamDecoder();
    expect(drain(decoder, header.subarray(0, 10))).toEqual([]);
    expect(formatError(() => decoder.end()).message).toMatch(
      /^offset 0: truncated stream: EOF inside the image header/,
    );
  });

  it("reports EOF inside a record with the record's offset", () => {
    const decoder = new StreamDecoder();
    const page = onePageRecord();
    const records = drain(decoder, Buffer.concat([prefix, page.subarray(0, page.byteLength - 100)]));
    expect(records.map((record) => record.kind)).toEqual(["header", "domain-info"]);
    const error = formatError(() => decoder.end());
    expect(error.offset).toBe(prefix.byteLength);
    expect(error.message).toMatch(/truncated stream: EOF inside PAGE_DATA record/);
  });

  it("reports EOF inside a record header and EOF before END", () => {
    const inHeader = new StreamDecoder();
    drain(inHeader, Buffer.concat([prefix, Buffer.alloc(3)]));
    expect(formatError(() => inHeader.end()).message).toMatch(/EOF inside a record header \(3 of 8 bytes\)/);
    const beforeEnd = new StreamDecoder();
    drain(beforeEnd, prefix);
    expectFormatError(
      formatError(() => beforeEnd.end()),
      prefix.byteLength,
      /EOF before the END record/,
    );
  });
});

describe("StreamDecoder record types", () => {
  it("fails on an unknown mandatory record type", () => {
    const error = decodeError(Buffer.concat([prefix, rawRecord(0x31, Buffer.alloc(4))]));
    expect(error.message).toBe(`offset ${prefix.byteLength}: unknown mandatory record type 0x31`);
  });

  it("skips unknown optional records, even when split byte by byte", () => {
    const optional = rawRecord(0x80000031, Buffer.alloc(13, 0xaa));
    const bytes = Buffer.concat([header, optional, domainInfo, optional]);
    const decoder = new StreamDecoder();
    const kinds: string[] = [];
    for (let at = 0; at < bytes.byteLength; at++)
      kinds.push(...drain(decoder, bytes.subarray(at, at + 1)).map((r) => r.kind));
    expect(kinds).toEqual(["header", "domain-info"]);
    expect(decoder.recordCountSkipped).toBe(2);
    expect(decoder.offset).toBe(bytes.byteLength);
  });

  it("rejects PAGE_DATA counts 0 and 1025 at the count field", () => {
    for (const count of [0, 1025]) {
      const error = decodeError(
        Buffer.concat([prefix, rawRecord(RecordType.PAGE_DATA, pageDataBody(count, [ZERO_ENTRY]))]),
      );
      expect(error.message).toBe(
        `offset ${prefix.byteLength + 8}: PAGE_DATA count ${count} (must be 1..1024)`,
      );
    }
  });

  it("rejects unsupported page types, reserved pfn bits and a body_length that does not match", () => {
    const at = prefix.byteLength;
    const l1tab = rawRecord(RecordType.PAGE_DATA, pageDataBody(1, [[3, 0x10000000]]));
    expect(decodeError(Buffer.concat([prefix, l1tab])).message).toBe(
      `offset ${at + 16}: PAGE_DATA pfn entry 0 has unsupported type 0x1`,
    );
    const reserved = rawRecord(RecordType.PAGE_DATA, pageDataBody(1, [[3, 0xe0100000]]));
    expect(decodeError(Buffer.concat([prefix, reserved])).message).toMatch(/reserved bits 59..52/);
    const normalWithoutData = rawRecord(RecordType.PAGE_DATA, pageDataBody(1, [[3, 0]]));
    expect(decodeError(Buffer.concat([prefix, normalWithoutData])).message).toMatch(
      /PAGE_DATA body_length 16 does not match count 1 with 1 data pages \(expected 4112\)/,
    );
  });

  it("rejects an oversized body as soon as the record header arrives", () => {
    const recordHeader = Buffer.alloc(8);
    recordHeader.writeUInt32LE(RecordType.PAGE_DATA, 0);
    recordHeader.writeUInt32LE(PAGE_DATA_BODY_BYTE_COUNT_MAX + 8, 4);
    expect(decodeError(Buffer.concat([prefix, recordHeader])).message).toMatch(
      /PAGE_DATA body_length \d+ is not in 16\.\./,
    );
  });

  it("rejects bad JSON bodies and non-string xenstore values", () => {
    const notJson = rawRecord(RecordType.DOMAIN_INFO, Buffer.from("{name"));
    expectFormatError(
      decodeError(Buffer.concat([header, notJson])),
      32,
      /DOMAIN_INFO body is not UTF-8 JSON/,
    );
    const array = rawRecord(RecordType.DOMAIN_INFO, Buffer.from("[1,2]"));
    expect(decodeError(Buffer.concat([header, array])).message).toMatch(/not a JSON object/);
    const vcpu = encodeJsonRecord(RecordType.VCPU_CONTEXT, {});
    const xenstore = encodeJsonRecord(RecordType.XENSTORE_DATA, { "memory/target": 8192 });
    expect(decodeError(Buffer.concat([prefix, vcpu, xenstore])).message).toMatch(
      /"memory\/target" is not a string/,
    );
  });

  it("rejects non-zero padding", () => {
    const record = encodeJsonRecord(RecordType.DOMAIN_INFO, { a: 1 }); // 7-byte body, 1 byte of padding
    record[record.byteLength - 1] = 1;
    expectFormatError(
      decodeError(Buffer.concat([header, record])),
      24 + record.byteLength - 1,
      /DOMAIN_INFO padding is not zero/,
    );
  });
});

describe("StreamDecoder record order", () => {
  it("rejects PAGE_DATA before DOMAIN_INFO from its header alone", () => {
    const error = decodeError(Buffer.concat([header, onePageRecord().subarray(0, 8)]));
    expect(error.message).toBe("offset 24: unexpected PAGE_DATA record (expected DOMAIN_INFO)");
  });

  it("names every record allowed in the memory phase", () => {
    const error = decodeError(Buffer.concat([prefix, encodeEnd()]));
    expect(error.message).toMatch(/unexpected END record \(expected PAGE_DATA, ROUND_END or VCPU_CONTEXT\)/);
  });

  it("rejects anything after END, in next() and in end()", () => {
    const complete = Buffer.concat([
      prefix,
      encodeJsonRecord(RecordType.VCPU_CONTEXT, {}),
      encodeJsonRecord(RecordType.XENSTORE_DATA, {}),
      encodeJsonRecord(RecordType.DEVICE_INFO, {}),
      rawRecord(RecordType.VERIFY, Buffer.alloc(24)),
      encodeEnd(),
    ]);
    const ok = new StreamDecoder();
    expect(drain(ok, complete).at(-1)?.kind).toBe("end");
    expect(() => ok.end()).not.toThrow();
    expectFormatError(
      decodeError(Buffer.concat([complete, encodeEnd()])),
      complete.byteLength,
      /data after the END record/,
    );
    const trailing = new StreamDecoder();
    drain(trailing, complete);
    trailing.push(Buffer.alloc(1));
    expect(formatError(() => trailing.end()).message).toMatch(/1 bytes after the END record/);
  });

  it("refuses end() while a complete record is unread: a caller bug, not a truncated stream", () => {
    const decoder = new StreamDecoder();
    decoder.push(prefix);
    decoder.next();
    expect(() => decoder.end()).toThrow(/complete record is unread/);
    expect(decoder.next()?.kind).toBe("domain-info");
  });

  it("leaves its state unchanged after an error, so the error repeats", () => {
    const decoder = new StreamDecoder();
    const bytes = Buffer.concat([prefix, rawRecord(RecordType.PAGE_DATA, pageDataBody(0, [ZERO_ENTRY]))]);
    const first = formatError(() => drain(decoder, bytes));
    expect(decoder.offset).toBe(prefix.byteLength);
    const second = formatError(() => decoder.next());
    expect(second.message).toBe(first.message);
  });
});
