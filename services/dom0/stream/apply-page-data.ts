/** Applies a decoded PAGE_DATA record to guest memory, checking each page before it is written. */
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { PageChecksumError, StreamFormatError } from "./errors.js";
import { PageType } from "./format.js";
import { pageChecksum } from "./page-checksum.js";
import type { PageDataRecord } from "./stream-record.js";

export interface PageSink {
  /** `page` is a view into the decoder's buffers: copy it, do not keep it. */
  writePage(pfn: number, page: Uint8Array): void;
  zeroPage(pfn: number): void;
}

/**
 * Writes the record's pages in order. With `verify`, each data page's xxh64 is compared with the
 * record's checksum first, and a PageChecksumError names the first bad pfn; the pages before it
 * have been written, that page and the ones after it have not.
 */
export function applyPageData(record: PageDataRecord, sink: PageSink, verify: boolean): void {
  const checksums = record.checksums;
  if (verify && checksums === undefined) {
    throw new StreamFormatError(
      record.offset,
      "PAGE_DATA carries no checksums but the receiver verifies pages",
    );
  }
  const data = record.data;
  let dataIndex = 0;
  for (let index = 0; index < record.pageCount; index++) {
    const pfn = record.pfns[index]!;
    if (record.types[index] === PageType.ZERO) {
      sink.zeroPage(pfn);
      continue;
    }
    const start = dataIndex * PAGE_SIZE_BYTES;
    // A plain view: `data` is often a Buffer, whose subarray costs several times more per page.
    const page = new Uint8Array(data.buffer, data.byteOffset + start, PAGE_SIZE_BYTES);
    if (checksums !== undefined && verify) {
      const checksumExpected = checksums[dataIndex]!;
      const checksumActual = pageChecksum(page);
      if (checksumActual !== checksumExpected) {
        throw new PageChecksumError(record.dataOffset + start, pfn, checksumExpected, checksumActual);
      }
    }
    sink.writePage(pfn, page);
    dataIndex++;
  }
}
