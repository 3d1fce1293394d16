import { describe, expect, it } from "vitest";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { applyPageData } from "./apply-page-data.js";
import { PageChecksumError, StreamFormatError } from "./errors.js";
import { decodePageData } from "./page-data-decode.js";
import { PageBatchWriter } from "./page-batch-writer.js";

function recordOf(pages: [number, number][], checksums = true): Buffer {
  const writer = new PageBatchWriter({ checksums });
  writer.begin();
  for (const [pfn, value] of pages) writer.addPage(pfn, new Uint8Array(PAGE_SIZE_BYTES).fill(value));
  return Buffer.from(writer.finish());
}

function recordingSink(): {
  log: string[];
  writePage(pfn: number, page: Uint8Array): void;
  zeroPage(pfn: number): void;
} {
  const log: string[] = [];
  return {
    log,
    writePage: (pfn, page) => log.push(`write ${pfn} ${page[0]}`),
    zeroPage: (pfn) => log.push(`zero ${pfn}`),
  };
}

describe("applyPageData", () => {
  it("writes data pages and zeroes zero pages in record order", () => {
    const bytes = recordOf([
      [10, 1],
      [11, 0],
      [12, 2],
    ]);
    const sink = recordingSink();
    applyPageData(decodePageData(bytes.subarray(8), 0), sink, true);
    expect(sink.log).toEqual(["write 10 1", "zero 11", "write 12 2"]);
  });

  it("names the pfn of a corrupted page and writes neither it nor the pages after it", () => {
    const bytes = recordOf([
      [10, 1],
      [0x2000, 2],
      [12, 3],
    ]);
    const secondPageAt = bytes.byteLength - 2 * PAGE_SIZE_BYTES;
    bytes[secondPageAt + 100]! ^= 0x01;
    const sink = recordingSink();
    const apply = (): void => applyPageData(decodePageData(bytes.subarray(8), 500), sink, true);
    expect(apply).toThrow(PageChecksumError);
    expect(apply).toThrow(/^offset \d+: page pfn 0x2000 fails its checksum/);
    expect(sink.log).toEqual(["write 10 1", "write 10 1"]);
    try {
      apply();
    } catch (error) {
      expect(error).toMatchObject({ pfn: 0x2000, offset: 500 + secondPageAt });
    }
  });

  it("applies a corrupted page when verification is off, and refuses to verify without checksums", () => {
    const bytes = recordOf([[10, 1]]);
    bytes[bytes.byteLength - 1] = 9;
    const sink = recordingSink();
    applyPageData(decodePageData(bytes.subarray(8), 0), sink, false);
    expect(sink.log).toEqual(["write 10 1"]);
    const bare = decodePageData(recordOf([[10, 1]], false).subarray(8), 0);
    expect(() => applyPageData(bare, recordingSink(), true)).toThrow(StreamFormatError);
  });
});
