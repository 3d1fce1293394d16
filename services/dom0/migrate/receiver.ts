import type { GuestMemory } from "../../core/memory/guest-memory.js";
import { StreamDecoder } from "../stream/stream-decoder.js";
import { applyPageData, type PageSink } from "../stream/apply-page-data.js";
import { checkVerifyRecord } from "../stream/verify.js";
import { ZERO_PAGE_CHECKSUM } from "../stream/page-checksum.js";
import type { JsonObject } from "../stream/record-encode.js";
import type { PageDataRecord } from "../stream/stream-record.js";
import { ToolstackError } from "../errors.js";

/** What the restore side has once the stream ended and verified. */
export interface ReceivedImage {
  domainInfo: JsonObject;
  vcpuContext: JsonObject;
  xenstoreData: Record<string, string>;
  deviceInfo: JsonObject;
  pageCountApplied: number;
  pageCountVerified: number;
  roundCount: number;
}

/**
 * The restore side of a migration (≈ tools/libs/guest/xg_sr_restore.c): decodes the stream as it
 * arrives, checks each page's checksum before writing it into the incoming domain's memory, keeps
 * the destination's per-pfn checksum table and checks it against the source's VERIFY record.
 * `memoryFor` is asked once, with DOMAIN_INFO, for the memory the pages go into.
 */
export class StreamReceiver {
  private readonly decoder = new StreamDecoder();
  private memory: GuestMemory | undefined;
  private checksums: BigUint64Array | undefined;
  private domainInfo: JsonObject | undefined;
  private vcpuContext: JsonObject = {};
  private xenstoreData: Record<string, string> = {};
  private deviceInfo: JsonObject = {};
  private pageCountApplied = 0;
  private pageCountVerified = 0;
  private roundCount = 0;
  private ended = false;

  constructor(private readonly memoryFor: (domainInfo: JsonObject) => GuestMemory) {}

  get isEnded(): boolean {
    return this.ended;
  }

  get bytesReceived(): number {
    return this.decoder.offset;
  }

  /** Feeds bytes; applies every complete record. Throws on a malformed stream or a bad page. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new ToolstackError("INVALID_ARGUMENT", "migration stream: bytes after END");
    this.decoder.push(chunk);
    for (let record = this.decoder.next(); record !== undefined; record = this.decoder.next()) {
      switch (record.kind) {
        case "domain-info":
          this.domainInfo = record.info;
          this.memory = this.memoryFor(record.info);
          this.checksums = new BigUint64Array(this.memory.pageCount).fill(ZERO_PAGE_CHECKSUM);
          break;
        case "page-data":
          this.applyPages(record);
          break;
        case "round-end":
          this.roundCount = Math.max(this.roundCount, record.round);
          break;
        case "vcpu-context":
          this.vcpuContext = record.context;
          break;
        case "xenstore-data":
          this.xenstoreData = record.entries;
          break;
        case "device-info":
          this.deviceInfo = record.devices;
          break;
        case "verify":
          checkVerifyRecord(record, this.checksums ?? new BigUint64Array(0));
          break;
        case "end":
          this.decoder.end();
          this.ended = true;
          break;
        case "header":
          break;
      }
    }
  }

  private applyPages(record: PageDataRecord): void {
    const memory = this.memory;
    const checksums = this.checksums;
    if (!memory || !checksums)
      throw new ToolstackError("INVALID_ARGUMENT", "migration stream: PAGE_DATA before DOMAIN_INFO");
    let dataIndex = 0;
    const sink: PageSink = {
      writePage: (pfn, page) => {
        this.checkPfn(pfn, memory);
        memory.writePage(pfn, page);
        checksums[pfn] = record.checksums![dataIndex++]!;
        this.pageCountVerified++;
      },
      zeroPage: (pfn) => {
        this.checkPfn(pfn, memory);
        if (memory.isPopulated(pfn)) memory.writePage(pfn, ZERO_PAGE_BYTES);
        checksums[pfn] = ZERO_PAGE_CHECKSUM;
      },
    };
    applyPageData(record, sink, true);
    this.pageCountApplied += record.pageCount;
  }

  private checkPfn(pfn: number, memory: GuestMemory): void {
    if (pfn >= memory.pageCount) {
      throw new ToolstackError(
        "INVALID_ARGUMENT",
        `migration stream: pfn ${pfn} is beyond the domain's ${memory.pageCount} pages`,
      );
    }
  }

  /** The stream must have ended with END after a passing VERIFY. */
  finish(): ReceivedImage {
    if (!this.ended || !this.domainInfo)
      throw new ToolstackError("ABORTED", "migration stream ended before END");
    return {
      domainInfo: this.domainInfo,
      vcpuContext: this.vcpuContext,
      xenstoreData: this.xenstoreData,
      deviceInfo: this.deviceInfo,
      pageCountApplied: this.pageCountApplied,
      pageCountVerified: this.pageCountVerified,
      roundCount: this.roundCount,
    };
  }
}

const ZERO_PAGE_BYTES = new Uint8Array(4096);
