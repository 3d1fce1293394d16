import { xxh64 } from "@node-rs/xxhash";
import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { PAGE_DATA_FLAG_CHECKSUMS, RecordType } from "./format.js";
import { PageBatchWriter, RECORD_HEADROOM_BYTE_COUNT } from "./page-batch-writer.js";
import { ZERO_PAGE_CHECKSUM } from "./page-checksum.js";

function filledPage(value: number): Uint8Array {
  return new Uint8Array(PAGE_SIZE_BYTES).fill(value);
}

describe("PageBatchWriter", () => {
  it("lays out one normal page: header, count, flags, pfn, checksum, data", () => {
    const writer = new PageBatchWriter({ pageCountMax: 4 });
    const page = filledPage(0x5a);
    writer.begin();
    writer.addPage(0x1234, page);
    const record = writer.finish();
    expect(record.byteLength).toBe(8 + 8 + 8 + 8 + PAGE_SIZE_BYTES);
    expect(writer.byteCount).toBe(record.byteLength);
    expect(record.readUInt32LE(0)).toBe(RecordType.PAGE_DATA);
    expect(record.readUInt32LE(4)).toBe(record.byteLength - 8);
    expect(record.readUInt32LE(8)).toBe(1);
    expect(record.readUInt32LE(12)).toBe(PAGE_DATA_FLAG_CHECKSUMS);
    expect(record.readBigUInt64LE(16)).toBe(0x1234n);
    expect(record.readBigUInt64LE(24)).toBe(xxh64(page));
    expect(record.subarray(32).equals(page)).toBe(true);
  });

  it("sends an all-zero page as a ZERO entry without data", () => {
    const writer = new PageBatchWriter();
    writer.begin();
    writer.addPage(7, filledPage(0));
    writer.addPage(8, filledPage(1));
    const record = writer.finish();
    expect([writer.pageCount, writer.pageCountZero, writer.pageCountNormal]).toEqual([2, 1, 1]);
    expect(record.readBigUInt64LE(16)).toBe((0xen << 60n) | 7n);
    expect(record.readBigUInt64LE(24)).toBe(8n);
    expect(record.byteLength).toBe(8 + 8 + 2 * 8 + 8 + PAGE_SIZE_BYTES);
  });

  it("packs a 52-bit pfn below the type bits", () => {
    const writer = new PageBatchWriter();
    writer.begin();
    writer.addZeroPage(2 ** 52 - 1);
    expect(writer.finish().readBigUInt64LE(16)).toBe((0xen << 60n) | (2n ** 52n - 1n));
  });

  it("reports each page's checksum, the zero-page checksum for zero pages", () => {
    const seen: [number, bigint][] = [];
    const writer = new PageBatchWriter({ onChecksum: (pfn, checksum) => seen.push([pfn, checksum]) });
    writer.begin();
    writer.addPage(1, filledPage(3));
    writer.addZeroPage(2);
    writer.addPage(3, filledPage(0));
    expect(seen).toEqual([
      [1, xxh64(filledPage(3))],
      [2, ZERO_PAGE_CHECKSUM],
      [3, ZERO_PAGE_CHECKSUM],
    ]);
  });

  it("omits checksums when asked, clearing the flag", () => {
    const writer = new PageBatchWriter({ checksums: false });
    writer.begin();
    writer.addPage(1, filledPage(3));
    const record = writer.finish();
    expect(record.readUInt32LE(12)).toBe(0);
    expect(record.byteLength).toBe(8 + 8 + 8 + PAGE_SIZE_BYTES);
    expect(record.subarray(24).equals(filledPage(3))).toBe(true);
  });

  it("starts a fresh record on begin() and fills a batch of 1024", () => {
    const writer = new PageBatchWriter();
    writer.begin();
    writer.addPage(0, filledPage(9));
    writer.finish();
    writer.begin();
    for (let pfn = 0; pfn < 1024; pfn++) writer.addPage(pfn, filledPage((pfn % 255) + 1));
    expect(writer.isFull).toBe(true);
    const record = writer.finish();
    expect(record.readUInt32LE(8)).toBe(1024);
    expect(record.readBigUInt64LE(16 + 8 * 1023)).toBe(1023n);
    const dataStart = 16 + 16 * 1024;
    expect(record.byteLength).toBe(dataStart + 1024 * PAGE_SIZE_BYTES);
    expect(record[dataStart]).toBe(1);
    expect(record[dataStart + 1023 * PAGE_SIZE_BYTES]).toBe((1023 % 255) + 1);
  });

  it("leaves RECORD_HEADROOM_BYTE_COUNT bytes in front of a full and of a partial record", () => {
    const writer = new PageBatchWriter({ pageCountMax: 4 });
    for (const pageCount of [4, 1]) {
      writer.begin();
      for (let pfn = 0; pfn < pageCount; pfn++) writer.addPage(pfn, filledPage(pfn + 1));
      const record = writer.finish();
      expect(record.byteOffset).toBeGreaterThanOrEqual(RECORD_HEADROOM_BYTE_COUNT);
      expect(record.byteOffset % 8).toBe(0);
    }
  });

  it("throws on misuse: no begin, a full batch, bad pfns and sizes, an empty record", () => {
    const writer = new PageBatchWriter({ pageCountMax: 1 });
    expect(() => writer.addZeroPage(1)).toThrow(/before begin/);
    writer.begin();
    expect(() => writer.finish()).toThrow(/at least one page/);
    expect(() => writer.addPage(1, new Uint8Array(10))).toThrow(/not a page/);
    expect(() => writer.addZeroPage(-1)).toThrow(/bad pfn/);
    expect(() => writer.addZeroPage(2 ** 52)).toThrow(/bad pfn/);
    writer.addZeroPage(1);
    expect(() => writer.addZeroPage(2)).toThrow(/full/);
    expect(() => new PageBatchWriter({ pageCountMax: 1025 })).toThrow(/1\.\.1024/);
  });
});
