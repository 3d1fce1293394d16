/**
 * Constants of the xensim migration stream, version 1 (docs/specs/migration-stream.md).
 * Layout follows Xen's libxc migration stream v2 (docs/specs/libxc-migration-stream.pandoc).
 */
import { PAGE_SIZE_BYTES } from "../../core/units.js";

export const IMAGE_HEADER_MARKER = 0xffffffffffffffffn;
export const IMAGE_HEADER_ID = 0x5853494d; // "XSIM"
export const STREAM_VERSION = 1;
/** Image header options bit 0: records are big-endian. Version 1 writes and reads little-endian only. */
export const IMAGE_OPTION_BIG_ENDIAN = 1 << 0;
export const IMAGE_HEADER_BYTE_COUNT = 24;

export const RECORD_HEADER_BYTE_COUNT = 8;
export const RECORD_ALIGNMENT_BYTES = 8;
/** Type bit 31: a reader skips an unknown optional record and fails on an unknown mandatory one. */
export const RECORD_TYPE_OPTIONAL_BIT = 0x80000000;

export const RecordType = {
  END: 0x00000000,
  PAGE_DATA: 0x00000001,
  VERIFY: 0x0000000d,
  DOMAIN_INFO: 0x00000020,
  VCPU_CONTEXT: 0x00000021,
  XENSTORE_DATA: 0x00000022,
  DEVICE_INFO: 0x00000023,
  ROUND_END: 0x80000024,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export function recordTypeName(type: number): string {
  for (const [name, value] of Object.entries(RecordType)) if (value === type) return name;
  return `0x${type.toString(16)}`;
}

const KNOWN_RECORD_TYPES: ReadonlySet<number> = new Set(Object.values(RecordType));

export function isKnownRecordType(type: number): type is RecordType {
  return KNOWN_RECORD_TYPES.has(type);
}

export function isOptionalRecordType(type: number): boolean {
  return (type & RECORD_TYPE_OPTIONAL_BIT) !== 0;
}

/** Body length rounded up to the record alignment (Xen: "zero padding to a multiple of 8"). */
export function paddedByteCount(bodyByteCount: number): number {
  return Math.ceil(bodyByteCount / RECORD_ALIGNMENT_BYTES) * RECORD_ALIGNMENT_BYTES;
}

/** MAX_BATCH_SIZE (tools/libs/guest/xg_save_restore.h): pages per PAGE_DATA record. */
export const PAGE_DATA_PAGE_COUNT_MAX = 1024;
/** PAGE_DATA flags bit 0: an xxh64 per data page follows the pfn array. */
export const PAGE_DATA_FLAG_CHECKSUMS = 1 << 0;
/** PAGE_DATA body: count u32, flags u32. */
export const PAGE_DATA_FIXED_BYTE_COUNT = 8;
/** Bits 51..0 of a pfn entry hold the pfn (PAGE_DATA_PFN_MASK in xg_sr_common.h). */
export const PFN_BITS = 52;
export const PFN_MAX = 2 ** PFN_BITS - 1;
/** Bits 63..60 of a pfn entry hold the page type; bits 59..52 are reserved (zero). */
export const PAGE_TYPE_SHIFT_IN_HIGH_WORD = 28;

export const PageType = {
  /** XEN_DOMCTL_PFINFO_NOTAB: an ordinary page, 4096 bytes of data follow. */
  NORMAL: 0x0,
  /** xensim: the page is all zero, no data follows (value of Xen's XALLOC, see the spec). */
  ZERO: 0xe,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

export function pageDataBodyByteCount(pageCount: number, pageCountData: number, checksums: boolean): number {
  const checksumByteCount = checksums ? 8 * pageCountData : 0;
  return PAGE_DATA_FIXED_BYTE_COUNT + 8 * pageCount + checksumByteCount + pageCountData * PAGE_SIZE_BYTES;
}

export const PAGE_DATA_BODY_BYTE_COUNT_MAX = pageDataBodyByteCount(
  PAGE_DATA_PAGE_COUNT_MAX,
  PAGE_DATA_PAGE_COUNT_MAX,
  true,
);

/** Largest JSON body (DOMAIN_INFO, VCPU_CONTEXT, XENSTORE_DATA, DEVICE_INFO). */
export const JSON_BODY_BYTE_COUNT_MAX = 16 * 1024 * 1024;

/** VERIFY body: page_count u64, digest u64, flags u32, reserved u32, then the table if flagged. */
export const VERIFY_FIXED_BYTE_COUNT = 24;
export const VERIFY_FLAG_TABLE = 1 << 0;
/** Largest checksum table carried inline: 2^24 pages (64 GiB of guest memory, a 128 MiB body). */
export const VERIFY_TABLE_PAGE_COUNT_MAX = 1 << 24;

/** ROUND_END body: round u32, flags u32, page_count_sent u32, page_count_dirty u32. */
export const ROUND_END_BYTE_COUNT = 16;
/** Readers ignore ROUND_END bytes beyond the first 16, up to this many, for later extension. */
export const ROUND_END_BYTE_COUNT_MAX = 4096;
export const ROUND_END_FLAG_FINAL = 1 << 0;

// The codec reads and writes little-endian fields through typed-array views, which use host order.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("xensim migration stream codec: typed-array views must be little-endian on this host");
}
