/**
 * Builds one PAGE_DATA record at a time into a buffer allocated once and reused.
 *
 * Layout of the buffer: [ header area sized for pageCountMax | page data for pageCountMax ].
 * Page bytes are copied straight to their final place after the header area as pages are added;
 * pfn entries and checksums go to small side arrays. finish() then writes the record header, the
 * pfn array and the checksums so that they end exactly where the data begins, and returns one
 * contiguous view. That costs one copy of at most 16 KiB per record (vs. 4 MiB of data) and
 * lets the caller send a single Buffer; a PAGE_DATA body is always a multiple of 8 bytes, so
 * there is no padding. In front of the header area, RECORD_HEADROOM_BYTE_COUNT bytes stay free for
 * a transport to write its framing in place (e.g. a protobuf field prefix) instead of copying.
 */
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import {
  PAGE_DATA_FIXED_BYTE_COUNT,
  PAGE_DATA_FLAG_CHECKSUMS,
  PAGE_DATA_PAGE_COUNT_MAX,
  PAGE_TYPE_SHIFT_IN_HIGH_WORD,
  PFN_MAX,
  PageType,
  RECORD_HEADER_BYTE_COUNT,
  RecordType,
  pageDataBodyByteCount,
} from "./format.js";
import { isZeroPage, pageChecksum, ZERO_PAGE_CHECKSUM } from "./page-checksum.js";
import type { RecordBuffers } from "./record-buffers.js";

export interface PageBatchWriterOptions {
  /** Pages per record, 1..1024 (MAX_BATCH_SIZE). */
  pageCountMax?: number;
  /** Whether to compute and send an xxh64 per data page (PAGE_DATA flags bit 0). Default true. */
  checksums?: boolean;
  /** Called for every page added with the checksum of its content (ZERO_PAGE_CHECKSUM for zero pages). */
  onChecksum?: (pfn: number, checksum: bigint) => void;
  /** Where the record buffer comes from (and goes back to: retire()); default a fresh one. */
  recordBuffers?: RecordBuffers;
}

const WORD_COUNT_PER_ENTRY = 2;

/**
 * Bytes in front of every record finish() returns, in the same buffer, that no one but the
 * record's consumer writes: room for a framing prefix (a multiple of 8 keeps the record aligned).
 */
export const RECORD_HEADROOM_BYTE_COUNT = 16;

export class PageBatchWriter {
  readonly pageCountMax: number;
  readonly checksums: boolean;
  private readonly onChecksum: ((pfn: number, checksum: bigint) => void) | undefined;
  private readonly record: Buffer;
  private readonly recordWords: Uint32Array;
  private readonly recordChecksums: BigUint64Array;
  private readonly dataStart: number;
  /** pfn entries as (low word, high word) pairs, little-endian u64s once copied into the record. */
  private readonly entryWords: Uint32Array;
  private readonly dataChecksums: BigUint64Array;
  private pageCountAdded = 0;
  private pageCountWithData = 0;
  private finished = true;
  /** Its buffer was handed on (retire()): the writer must not be used again. */
  private retired = false;

  constructor(options: PageBatchWriterOptions = {}) {
    const pageCountMax = options.pageCountMax ?? PAGE_DATA_PAGE_COUNT_MAX;
    if (!Number.isInteger(pageCountMax) || pageCountMax < 1 || pageCountMax > PAGE_DATA_PAGE_COUNT_MAX) {
      throw new Error(
        `PageBatchWriter: pageCountMax ${pageCountMax} is not in 1..${PAGE_DATA_PAGE_COUNT_MAX}`,
      );
    }
    this.pageCountMax = pageCountMax;
    this.checksums = options.checksums ?? true;
    this.onChecksum = options.onChecksum;
    const byteCountMax =
      RECORD_HEADROOM_BYTE_COUNT +
      RECORD_HEADER_BYTE_COUNT +
      pageDataBodyByteCount(pageCountMax, pageCountMax, true);
    // An own ArrayBuffer at byteOffset 0, so the 8-byte aligned views below work. A reused buffer
    // shows nothing stale: finish() returns only bytes this record wrote.
    this.record = options.recordBuffers?.take(byteCountMax) ?? Buffer.allocUnsafeSlow(byteCountMax);
    this.recordWords = new Uint32Array(this.record.buffer, 0, byteCountMax / 4);
    this.recordChecksums = new BigUint64Array(this.record.buffer, 0, byteCountMax / 8);
    this.dataStart = byteCountMax - pageCountMax * PAGE_SIZE_BYTES;
    this.entryWords = new Uint32Array(pageCountMax * WORD_COUNT_PER_ENTRY);
    this.dataChecksums = new BigUint64Array(pageCountMax);
  }

  /** Starts a new record; invalidates the view the previous finish() returned. */
  begin(): void {
    if (this.retired) throw new Error("PageBatchWriter.begin: the writer was retired");
    this.pageCountAdded = 0;
    this.pageCountWithData = 0;
    this.finished = false;
  }

  get pageCountNormal(): number {
    return this.pageCountWithData;
  }
  get pageCountZero(): number {
    return this.pageCountAdded - this.pageCountWithData;
  }
  /** Pages in the record so far, normal and zero. */
  get pageCount(): number {
    return this.pageCountAdded;
  }
  get isFull(): boolean {
    return this.pageCountAdded === this.pageCountMax;
  }
  /** Size of the record finish() returns (or would return now). */
  get byteCount(): number {
    return (
      RECORD_HEADER_BYTE_COUNT +
      pageDataBodyByteCount(this.pageCountAdded, this.pageCountWithData, this.checksums)
    );
  }

  /** Adds a page, as ZERO when all its bytes are zero, else copies it into the record. */
  addPage(pfn: number, page: Uint8Array): void {
    if (page.byteLength !== PAGE_SIZE_BYTES) {
      throw new Error(`PageBatchWriter.addPage: pfn ${pfn} has ${page.byteLength} bytes, not a page`);
    }
    if (isZeroPage(page)) {
      this.addZeroPage(pfn);
      return;
    }
    this.addEntry(pfn, PageType.NORMAL);
    const dataOffset = this.dataStart + this.pageCountWithData * PAGE_SIZE_BYTES;
    this.record.set(page, dataOffset);
    if (this.checksums || this.onChecksum !== undefined) {
      // Hash the copy, exactly what the record carries (a plain view: Buffer#subarray costs more).
      const checksum = pageChecksum(new Uint8Array(this.record.buffer, dataOffset, PAGE_SIZE_BYTES));
      this.dataChecksums[this.pageCountWithData] = checksum;
      this.onChecksum?.(pfn, checksum);
    }
    this.pageCountWithData++;
  }

  /** Adds a page the caller knows is all zero (e.g. never populated); no data is sent. */
  addZeroPage(pfn: number): void {
    this.addEntry(pfn, PageType.ZERO);
    this.onChecksum?.(pfn, ZERO_PAGE_CHECKSUM);
  }

  /**
   * Completes the record and returns a view of it, valid until the next begin(). The
   * RECORD_HEADROOM_BYTE_COUNT bytes before the view (in `record.buffer`) are the caller's.
   */
  finish(): Buffer {
    if (this.finished) throw new Error("PageBatchWriter.finish: no record begun");
    if (this.pageCountAdded === 0)
      throw new Error("PageBatchWriter.finish: a PAGE_DATA record needs at least one page");
    this.finished = true;
    const checksumByteCount = this.checksums ? 8 * this.pageCountWithData : 0;
    const checksumStart = this.dataStart - checksumByteCount;
    const entryStart = checksumStart - 8 * this.pageCountAdded;
    const start = entryStart - PAGE_DATA_FIXED_BYTE_COUNT - RECORD_HEADER_BYTE_COUNT;
    const words = this.recordWords;
    words[start / 4] = RecordType.PAGE_DATA;
    words[start / 4 + 1] = this.byteCount - RECORD_HEADER_BYTE_COUNT;
    words[start / 4 + 2] = this.pageCountAdded;
    words[start / 4 + 3] = this.checksums ? PAGE_DATA_FLAG_CHECKSUMS : 0;
    words.set(this.entryWords.subarray(0, this.pageCountAdded * WORD_COUNT_PER_ENTRY), entryStart / 4);
    if (this.checksums) {
      this.recordChecksums.set(this.dataChecksums.subarray(0, this.pageCountWithData), checksumStart / 8);
    }
    return this.record.subarray(start, this.dataStart + this.pageCountWithData * PAGE_SIZE_BYTES);
  }

  /**
   * Ends the writer's use and returns its record buffer, for another writer to take (RecordBuffers).
   * Only once no one reads the last record finish() returned.
   */
  retire(): Buffer {
    if (this.retired) throw new Error("PageBatchWriter.retire: retired twice");
    this.retired = true;
    this.finished = true;
    return this.record;
  }

  private addEntry(pfn: number, type: PageType): void {
    if (this.finished) throw new Error("PageBatchWriter: addPage before begin()");
    if (this.pageCountAdded === this.pageCountMax)
      throw new Error(`PageBatchWriter: batch full (${this.pageCountMax})`);
    if (!Number.isInteger(pfn) || pfn < 0 || pfn > PFN_MAX)
      throw new Error(`PageBatchWriter: bad pfn ${pfn}`);
    const at = this.pageCountAdded * WORD_COUNT_PER_ENTRY;
    this.entryWords[at] = pfn >>> 0;
    this.entryWords[at + 1] = (Math.floor(pfn / 2 ** 32) | (type << PAGE_TYPE_SHIFT_IN_HIGH_WORD)) >>> 0;
    this.pageCountAdded++;
  }
}
