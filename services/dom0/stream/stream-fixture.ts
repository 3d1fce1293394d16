/** A sample stream for the codec's tests: every record type, zero and normal pages, batches of 1 and 1024. */
import type { Prng } from "../../core/prng.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { RecordType } from "./format.js";
import { encodeImageHeader } from "./image-header.js";
import { PageBatchWriter } from "./page-batch-writer.js";
import { ZERO_PAGE_CHECKSUM } from "./page-checksum.js";
import { encodeEnd, encodeJsonRecord, encodeRoundEnd } from "./record-encode.js";
import { encodeVerify } from "./verify.js";

export const FIXTURE_PAGE_COUNT = 2048;
export const FIXTURE_HIGH_PFN = 2 ** 52 - 1;
export const FIXTURE_DOMAIN_INFO = {
  name: "guest-1",
  uuid: "5f1e0c7a-0000-4000-8000-000000000001",
  vcpus: 2,
};
export const FIXTURE_VCPU_CONTEXT = {
  vcpus: [
    { id: 0, cpuTimeNs: "123" },
    { id: 1, cpuTimeNs: "456" },
  ],
};
export const FIXTURE_XENSTORE = { name: "guest-1", "memory/target": "8192" };
export const FIXTURE_DEVICES = { vifs: [{ mac: "00:16:3e:00:00:01", bridge: "xenbr0" }], vbds: [] };

export interface StreamFixture {
  records: Buffer[];
  /** The guest's final memory: pfn → page bytes (zero pages as all-zero pages). */
  memory: Map<number, Uint8Array>;
  /** Per-pfn checksums for pfn < FIXTURE_PAGE_COUNT, as VERIFY digests them. */
  checksumTable: BigUint64Array;
}

function randomPage(prng: Prng): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE_BYTES);
  for (let at = 0; at < PAGE_SIZE_BYTES; at += 4) new DataView(page.buffer).setUint32(at, prng.nextU32());
  return page;
}

export function buildStreamFixture(prng: Prng): StreamFixture {
  const memory = new Map<number, Uint8Array>();
  const checksumTable = new BigUint64Array(FIXTURE_PAGE_COUNT).fill(ZERO_PAGE_CHECKSUM);
  const onChecksum = (pfn: number, checksum: bigint): void => {
    if (pfn < FIXTURE_PAGE_COUNT) checksumTable[pfn] = checksum;
  };
  const full = new PageBatchWriter({ onChecksum });
  const single = new PageBatchWriter({ pageCountMax: 1, onChecksum });
  const records: Buffer[] = [
    encodeImageHeader(),
    encodeJsonRecord(RecordType.DOMAIN_INFO, FIXTURE_DOMAIN_INFO),
  ];
  const addBatch = (writer: PageBatchWriter, pages: [number, Uint8Array][]): void => {
    writer.begin();
    for (const [pfn, page] of pages) {
      writer.addPage(pfn, page);
      memory.set(pfn, page);
    }
    records.push(Buffer.from(writer.finish())); // copied: the writer reuses its buffer
  };
  for (let first = 0; first < FIXTURE_PAGE_COUNT; first += 1024) {
    const pages: [number, Uint8Array][] = [];
    for (let pfn = first; pfn < first + 1024; pfn++) {
      pages.push([pfn, pfn % 3 === 0 ? new Uint8Array(PAGE_SIZE_BYTES) : randomPage(prng)]);
    }
    addBatch(full, pages);
  }
  records.push(encodeRoundEnd({ round: 1, final: false, pageCountSent: 2048, pageCountDirty: 3 }));
  addBatch(single, [[5, randomPage(prng)]]);
  addBatch(single, [[6, new Uint8Array(PAGE_SIZE_BYTES)]]);
  addBatch(single, [[FIXTURE_HIGH_PFN, randomPage(prng)]]);
  records.push(encodeRoundEnd({ round: 2, final: true, pageCountSent: 3, pageCountDirty: 0 }));
  records.push(encodeJsonRecord(RecordType.VCPU_CONTEXT, FIXTURE_VCPU_CONTEXT));
  records.push(encodeJsonRecord(RecordType.XENSTORE_DATA, FIXTURE_XENSTORE));
  records.push(encodeJsonRecord(RecordType.DEVICE_INFO, FIXTURE_DEVICES));
  records.push(encodeVerify(checksumTable, FIXTURE_PAGE_COUNT, { includeTable: true }));
  records.push(encodeEnd());
  return { records, memory, checksumTable };
}
