import {
  PAGE_DATA_FLAG_CHECKSUMS,
  PAGE_TYPE_SHIFT_IN_HIGH_WORD,
  PageType,
  RECORD_HEADER_BYTE_COUNT,
  RecordType,
} from "../stream/format.js";

/** PAGE_DATA body: count u32, flags u32, then a u64 per pfn (docs/specs/migration-stream.md). */
const PFN_ARRAY_OFFSET = RECORD_HEADER_BYTE_COUNT + 8;

/**
 * Flips the first byte of the first data page of a whole PAGE_DATA record, in place, as a bad
 * link would after the sender took the page's checksum. Returns false (and changes nothing) for
 * any other record, or one with zero pages only.
 */
export function corruptFirstDataPage(record: Uint8Array): boolean {
  if (record.byteLength < PFN_ARRAY_OFFSET) return false;
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (view.getUint32(0, true) !== RecordType.PAGE_DATA) return false;
  const pageCount = view.getUint32(RECORD_HEADER_BYTE_COUNT, true);
  const flags = view.getUint32(RECORD_HEADER_BYTE_COUNT + 4, true);
  let dataPageCount = 0;
  for (let index = 0; index < pageCount; index++) {
    const highWord = view.getUint32(PFN_ARRAY_OFFSET + 8 * index + 4, true);
    if (highWord >>> PAGE_TYPE_SHIFT_IN_HIGH_WORD === PageType.NORMAL) dataPageCount++;
  }
  if (dataPageCount === 0) return false;
  const checksumByteCount = (flags & PAGE_DATA_FLAG_CHECKSUMS) !== 0 ? 8 * dataPageCount : 0;
  const at = PFN_ARRAY_OFFSET + 8 * pageCount + checksumByteCount;
  if (at >= record.byteLength) return false;
  record[at] = record[at]! ^ 0xff;
  return true;
}
