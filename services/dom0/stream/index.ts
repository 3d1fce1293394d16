/** The xensim migration stream, version 1 (docs/specs/migration-stream.md). */
export { applyPageData, type PageSink } from "./apply-page-data.js";
export { PageChecksumError, StreamFormatError, StreamVerifyError } from "./errors.js";
export { PAGE_DATA_PAGE_COUNT_MAX, PageType, RecordType, STREAM_VERSION, recordTypeName } from "./format.js";
export { decodeImageHeader, encodeImageHeader, type ImageHeader } from "./image-header.js";
export { PageBatchWriter, type PageBatchWriterOptions } from "./page-batch-writer.js";
export { isZeroPage, pageChecksum, ZERO_PAGE_CHECKSUM } from "./page-checksum.js";
export {
  encodeEnd,
  encodeJsonRecord,
  encodeRoundEnd,
  type JsonObject,
  type RoundEnd,
} from "./record-encode.js";
export { StreamDecoder } from "./stream-decoder.js";
export type * from "./stream-record.js";
export { checkVerifyRecord, digestChecksumTable, encodeVerify, type EncodeVerifyOptions } from "./verify.js";
