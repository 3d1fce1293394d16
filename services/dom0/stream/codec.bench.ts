/**
 * Throughput of the stream codec (not a test): 1 GiB of non-zero pages in 64-page PAGE_DATA
 * records, copied into 1 MiB transport chunks, decoded and applied with checksum verification.
 * Run from dist after `npm run build`: node dist/services/dom0/stream/codec.bench.js
 */
import { performance } from "node:perf_hooks";
import { Prng } from "../../core/prng.js";
import { GIB, MIB, PAGE_SIZE_BYTES } from "../../core/units.js";
import { applyPageData } from "./apply-page-data.js";
import { RecordType } from "./format.js";
import { encodeImageHeader } from "./image-header.js";
import { PageBatchWriter } from "./page-batch-writer.js";
import { encodeJsonRecord } from "./record-encode.js";
import { StreamDecoder } from "./stream-decoder.js";

const PAGE_COUNT_TOTAL = GIB / PAGE_SIZE_BYTES;
const PAGE_COUNT_PER_RECORD = 64;
const CHUNK_BYTE_COUNT = MIB;
const SOURCE_PAGE_COUNT = 256; // distinct page contents, reused round robin
const DESTINATION_PAGE_COUNT = 16384; // 64 MiB of destination memory, indexed by pfn modulo

function sourcePages(): Uint8Array {
  const prng = new Prng(1);
  const memory = new Uint8Array(SOURCE_PAGE_COUNT * PAGE_SIZE_BYTES);
  const words = new Uint32Array(memory.buffer);
  for (let index = 0; index < words.length; index++) words[index] = prng.nextU32() | 1;
  return memory;
}

function run(): void {
  const source = sourcePages();
  const destination = new Uint8Array(DESTINATION_PAGE_COUNT * PAGE_SIZE_BYTES);
  const sink = {
    writePage: (pfn: number, page: Uint8Array) =>
      destination.set(page, (pfn % DESTINATION_PAGE_COUNT) * PAGE_SIZE_BYTES),
    zeroPage: (pfn: number) => destination.fill(0, (pfn % DESTINATION_PAGE_COUNT) * PAGE_SIZE_BYTES),
  };
  const writer = new PageBatchWriter({ pageCountMax: PAGE_COUNT_PER_RECORD });
  const decoder = new StreamDecoder();
  let encodeMs = 0;
  let decodeMs = 0;
  let chunk = Buffer.allocUnsafe(CHUNK_BYTE_COUNT);
  let chunkByteCount = 0;
  const flush = (): void => {
    const startMs = performance.now();
    decoder.push(chunk.subarray(0, chunkByteCount));
    for (let record = decoder.next(); record !== undefined; record = decoder.next()) {
      if (record.kind === "page-data") applyPageData(record, sink, true);
    }
    decodeMs += performance.now() - startMs;
    chunk = Buffer.allocUnsafe(CHUNK_BYTE_COUNT); // the decoder keeps the pushed chunk
    chunkByteCount = 0;
  };
  const send = (bytes: Uint8Array): void => {
    for (let at = 0; at < bytes.byteLength;) {
      const byteCount = Math.min(bytes.byteLength - at, CHUNK_BYTE_COUNT - chunkByteCount);
      chunk.set(bytes.subarray(at, at + byteCount), chunkByteCount);
      chunkByteCount += byteCount;
      at += byteCount;
      if (chunkByteCount === CHUNK_BYTE_COUNT) flush();
    }
  };
  send(encodeImageHeader());
  send(encodeJsonRecord(RecordType.DOMAIN_INFO, { name: "bench" }));
  for (let pfn = 0; pfn < PAGE_COUNT_TOTAL; pfn += PAGE_COUNT_PER_RECORD) {
    const startMs = performance.now();
    writer.begin();
    for (let index = 0; index < PAGE_COUNT_PER_RECORD; index++) {
      const at = ((pfn + index) % SOURCE_PAGE_COUNT) * PAGE_SIZE_BYTES;
      writer.addPage(pfn + index, source.subarray(at, at + PAGE_SIZE_BYTES));
    }
    const record = writer.finish();
    encodeMs += performance.now() - startMs;
    send(record);
  }
  flush();
  const gigabytes = GIB / 1e9;
  console.log(`encode ${(gigabytes / (encodeMs / 1000)).toFixed(2)} GB/s (${encodeMs.toFixed(0)} ms)`);
  console.log(
    `decode+verify+apply ${(gigabytes / (decodeMs / 1000)).toFixed(2)} GB/s (${decodeMs.toFixed(0)} ms)`,
  );
  console.log(`both ${(gigabytes / ((encodeMs + decodeMs) / 1000)).toFixed(2)} GB/s (chunk copies excluded)`);
}

run();
