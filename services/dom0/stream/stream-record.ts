/** The records a StreamDecoder yields. `offset` is the record's byte offset in the stream. */
import type { JsonObject } from "./record-encode.js";

export interface HeaderRecord {
  kind: "header";
  offset: number;
  version: number;
  options: number;
}

export interface DomainInfoRecord {
  kind: "domain-info";
  offset: number;
  info: JsonObject;
}

export interface PageDataRecord {
  kind: "page-data";
  offset: number;
  /** Entries in the record (count), normal and zero. */
  pageCount: number;
  /** Entries of type NORMAL, i.e. pages in `data`. */
  pageCountNormal: number;
  /** pfn of each entry (52-bit, exact in a double). */
  pfns: Float64Array;
  /** PageType of each entry. */
  types: Uint8Array;
  /** xxh64 of each data page in order, when the record carries them (a copy, 8-byte aligned). */
  checksums: BigUint64Array | undefined;
  /** The data pages back to back: a view valid until the decoder's next next() call. */
  data: Uint8Array;
  /** Stream offset of `data`, for errors that name a page. */
  dataOffset: number;
}

export interface RoundEndRecord {
  kind: "round-end";
  offset: number;
  round: number;
  final: boolean;
  pageCountSent: number;
  pageCountDirty: number;
}

export interface VcpuContextRecord {
  kind: "vcpu-context";
  offset: number;
  context: JsonObject;
}

export interface XenstoreDataRecord {
  kind: "xenstore-data";
  offset: number;
  /** Path relative to the guest's /local/domain/<domid> → value. */
  entries: { [path: string]: string };
}

export interface DeviceInfoRecord {
  kind: "device-info";
  offset: number;
  devices: JsonObject;
}

export interface VerifyRecord {
  kind: "verify";
  offset: number;
  pageCount: number;
  digest: bigint;
  /** The source's per-pfn checksum table, when the record carries it (a copy). */
  table: BigUint64Array | undefined;
}

export interface EndRecord {
  kind: "end";
  offset: number;
}

export type StreamRecord =
  | HeaderRecord
  | DomainInfoRecord
  | PageDataRecord
  | RoundEndRecord
  | VcpuContextRecord
  | XenstoreDataRecord
  | DeviceInfoRecord
  | VerifyRecord
  | EndRecord;
