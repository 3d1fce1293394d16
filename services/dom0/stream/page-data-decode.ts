/** Parses a PAGE_DATA body (libxc-migration-stream.pandoc, "PAGE_DATA", plus our checksums). */
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { StreamFormatError } from "./errors.js";
import {
  PAGE_DATA_FIXED_BYTE_COUNT,
  PAGE_DATA_FLAG_CHECKSUMS,
  PAGE_DATA_PAGE_COUNT_MAX,
  PAGE_TYPE_SHIFT_IN_HIGH_WORD,
  PageType,
  RECORD_HEADER_BYTE_COUNT,
  pageDataBodyByteCount,
} from "./format.js";
import type { PageDataRecord } from "./stream-record.js";

const PFN_HIGH_WORD_MASK = 0x000fffff;
const RESERVED_HIGH_WORD_MASK = 0x0ff00000;

/** `body` is the record body (padding excluded); `offset` is the record's offset in the stream. */
export function decodePageData(body: Uint8Array, offset: number): PageDataRecord {
  const bodyOffset = offset + RECORD_HEADER_BYTE_COUNT;
  if (body.byteLength < PAGE_DATA_FIXED_BYTE_COUNT) {
    throw new StreamFormatError(offset, `PAGE_DATA body of ${body.byteLength} bytes is shorter than 8`);
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const pageCount = view.getUint32(0, true);
  if (pageCount < 1 || pageCount > PAGE_DATA_PAGE_COUNT_MAX) {
    throw new StreamFormatError(
      bodyOffset,
      `PAGE_DATA count ${pageCount} (must be 1..${PAGE_DATA_PAGE_COUNT_MAX})`,
    );
  }
  const flags = view.getUint32(4, true);
  if ((flags & ~PAGE_DATA_FLAG_CHECKSUMS) !== 0) {
    throw new StreamFormatError(bodyOffset + 4, `PAGE_DATA unknown flags 0x${flags.toString(16)}`);
  }
  const entryByteCount = 8 * pageCount;
  if (body.byteLength < PAGE_DATA_FIXED_BYTE_COUNT + entryByteCount) {
    throw new StreamFormatError(
      offset,
      `PAGE_DATA body of ${body.byteLength} bytes cannot hold ${pageCount} pfns`,
    );
  }
  const pfns = new Float64Array(pageCount);
  const types = new Uint8Array(pageCount);
  const pageCountNormal = decodeEntries(view, bodyOffset, pfns, types);
  const hasChecksums = (flags & PAGE_DATA_FLAG_CHECKSUMS) !== 0;
  const byteCountExpected = pageDataBodyByteCount(pageCount, pageCountNormal, hasChecksums);
  if (body.byteLength !== byteCountExpected) {
    throw new StreamFormatError(
      offset,
      `PAGE_DATA body_length ${body.byteLength} does not match count ${pageCount} with ` +
        `${pageCountNormal} data pages (expected ${byteCountExpected})`,
    );
  }
  const checksumStart = PAGE_DATA_FIXED_BYTE_COUNT + entryByteCount;
  let checksums: BigUint64Array | undefined;
  let dataStart = checksumStart;
  if (hasChecksums) {
    // Copied: `body` need not be 8-byte aligned, a BigUint64Array must be.
    checksums = new BigUint64Array(pageCountNormal);
    dataStart += 8 * pageCountNormal;
    new Uint8Array(checksums.buffer).set(body.subarray(checksumStart, dataStart));
  }
  const data = body.subarray(dataStart, dataStart + pageCountNormal * PAGE_SIZE_BYTES);
  return {
    kind: "page-data",
    offset,
    pageCount,
    pageCountNormal,
    pfns,
    types,
    checksums,
    data,
    dataOffset: bodyOffset + dataStart,
  };
}

/** Fills `pfns` and `types` from the pfn array; returns how many entries carry data. */
function decodeEntries(view: DataView, bodyOffset: number, pfns: Float64Array, types: Uint8Array): number {
  let pageCountNormal = 0;
  for (let index = 0; index < pfns.length; index++) {
    const at = PAGE_DATA_FIXED_BYTE_COUNT + 8 * index;
    const low = view.getUint32(at, true);
    const high = view.getUint32(at + 4, true);
    const type = high >>> PAGE_TYPE_SHIFT_IN_HIGH_WORD;
    if (type === PageType.NORMAL) {
      pageCountNormal++;
    } else if (type !== PageType.ZERO) {
      throw new StreamFormatError(
        bodyOffset + at,
        `PAGE_DATA pfn entry ${index} has unsupported type 0x${type.toString(16)}`,
      );
    }
    if ((high & RESERVED_HIGH_WORD_MASK) !== 0) {
      throw new StreamFormatError(
        bodyOffset + at,
        `PAGE_DATA pfn entry ${index} has reserved bits 59..52 set`,
      );
    }
    pfns[index] = (high & PFN_HIGH_WORD_MASK) * 2 ** 32 + low;
    types[index] = type;
  }
  return pageCountNormal;
}
