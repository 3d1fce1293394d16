/**
 * Incremental reader of a migration stream: push() bytes split anywhere, next() the records.
 * Every check runs before any byte is consumed, so after a StreamFormatError the decoder is
 * unchanged (next() throws the same error again). Records are checked for order and size as soon
 * as their 8-byte header arrives, so a bad peer is caught before its body is buffered.
 */
import { ByteQueue } from "./byte-queue.js";
import { StreamFormatError } from "./errors.js";
import type { RecordType } from "./format.js";
import {
  IMAGE_HEADER_BYTE_COUNT,
  RECORD_HEADER_BYTE_COUNT,
  isKnownRecordType,
  isOptionalRecordType,
  paddedByteCount,
  recordTypeName,
} from "./format.js";
import { decodeImageHeader } from "./image-header.js";
import { bodyByteCountRange, decodeRecordBody } from "./record-decode.js";
import { StreamPhase, nextPhase } from "./stream-order.js";
import type { StreamRecord } from "./stream-record.js";

const UNREAD_RECORD_AT_END =
  "StreamDecoder.end: a complete record is unread; call next() until it returns undefined";

export class StreamDecoder {
  private readonly queue = new ByteQueue();
  private phase: StreamPhase = StreamPhase.HEADER;
  /** Bytes of an unknown optional record still to be skipped. */
  private byteCountToSkip = 0;
  private pending: PendingRecord | undefined;
  /** Unknown optional records skipped so far. */
  recordCountSkipped = 0;

  /** Stream offset of the next byte not yet consumed. */
  get offset(): number {
    return this.queue.byteCountConsumed;
  }
  get isDone(): boolean {
    return this.phase === StreamPhase.DONE;
  }

  /** Appends bytes; takes the chunk without copying, so the caller must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
  }

  /** The next complete record, or undefined until more bytes arrive. Views in it last until the next call. */
  next(): StreamRecord | undefined {
    this.skipPending();
    if (this.byteCountToSkip > 0) return undefined;
    if (this.phase === StreamPhase.HEADER) return this.nextHeader();
    if (this.phase === StreamPhase.DONE) {
      if (this.queue.byteCount > 0) throw new StreamFormatError(this.offset, "data after the END record");
      return undefined;
    }
    if (this.pending !== undefined) return this.nextKnown(this.pending);
    while (this.queue.byteCount >= RECORD_HEADER_BYTE_COUNT) {
      const type = this.queue.u32At(0);
      const bodyByteCount = this.queue.u32At(4);
      const recordByteCount = RECORD_HEADER_BYTE_COUNT + paddedByteCount(bodyByteCount);
      if (isKnownRecordType(type)) {
        this.pending = this.checkRecordHeader(type, bodyByteCount, recordByteCount);
        return this.nextKnown(this.pending);
      }
      if (!isOptionalRecordType(type)) {
        throw new StreamFormatError(this.offset, `unknown mandatory record type 0x${type.toString(16)}`);
      }
      this.byteCountToSkip = recordByteCount;
      this.recordCountSkipped++;
      this.skipPending();
      if (this.byteCountToSkip > 0) return undefined;
    }
    return undefined;
  }

  /** Asserts the stream ended cleanly: END was read and nothing follows. Call once next() returns undefined. */
  end(): void {
    const offset = this.offset;
    const byteCount = this.queue.byteCount;
    if (this.phase === StreamPhase.DONE) {
      if (byteCount > 0) throw new StreamFormatError(offset, `${byteCount} bytes after the END record`);
      return;
    }
    if (this.byteCountToSkip > 0) {
      throw new StreamFormatError(offset, `truncated stream: EOF inside an optional record being skipped`);
    }
    if (this.phase === StreamPhase.HEADER) {
      if (byteCount >= IMAGE_HEADER_BYTE_COUNT) throw new Error(UNREAD_RECORD_AT_END);
      throw new StreamFormatError(
        offset,
        `truncated stream: EOF inside the image header (${byteCount} of 24 bytes)`,
      );
    }
    if (byteCount === 0) throw new StreamFormatError(offset, "truncated stream: EOF before the END record");
    if (byteCount < RECORD_HEADER_BYTE_COUNT) {
      throw new StreamFormatError(
        offset,
        `truncated stream: EOF inside a record header (${byteCount} of 8 bytes)`,
      );
    }
    const type = this.queue.u32At(0);
    const recordByteCount = RECORD_HEADER_BYTE_COUNT + paddedByteCount(this.queue.u32At(4));
    if (byteCount >= recordByteCount) throw new Error(UNREAD_RECORD_AT_END);
    throw new StreamFormatError(
      offset,
      `truncated stream: EOF inside ${recordTypeName(type)} record (${byteCount} of ${recordByteCount} bytes)`,
    );
  }

  private skipPending(): void {
    const byteCount = Math.min(this.byteCountToSkip, this.queue.byteCount);
    this.queue.discard(byteCount);
    this.byteCountToSkip -= byteCount;
  }

  private nextHeader(): StreamRecord | undefined {
    if (this.queue.byteCount < IMAGE_HEADER_BYTE_COUNT) return undefined;
    const offset = this.offset;
    const header = decodeImageHeader(this.queue.span(IMAGE_HEADER_BYTE_COUNT), offset);
    this.queue.discard(IMAGE_HEADER_BYTE_COUNT);
    this.phase = StreamPhase.DOMAIN_INFO;
    return { kind: "header", offset, ...header };
  }

  /** Checks a known record's place and size from its header alone. */
  private checkRecordHeader(type: RecordType, bodyByteCount: number, recordByteCount: number): PendingRecord {
    const name = recordTypeName(type);
    const phaseAfter = nextPhase(this.phase, type);
    if (typeof phaseAfter !== "string") {
      throw new StreamFormatError(this.offset, `unexpected ${name} record (expected ${phaseAfter.expected})`);
    }
    const range = bodyByteCountRange(type);
    if (bodyByteCount < range.min || bodyByteCount > range.max) {
      throw new StreamFormatError(
        this.offset,
        `${name} body_length ${bodyByteCount} is not in ${range.min}..${range.max}`,
      );
    }
    return { type, bodyByteCount, recordByteCount, phaseAfter };
  }

  private nextKnown(pending: PendingRecord): StreamRecord | undefined {
    if (this.queue.byteCount < pending.recordByteCount) return undefined;
    const offset = this.offset;
    const bytes = this.queue.span(pending.recordByteCount);
    const bodyEnd = RECORD_HEADER_BYTE_COUNT + pending.bodyByteCount;
    for (let at = bodyEnd; at < pending.recordByteCount; at++) {
      if (bytes[at] !== 0)
        throw new StreamFormatError(offset + at, `${recordTypeName(pending.type)} padding is not zero`);
    }
    const record = decodeRecordBody(pending.type, bytes.subarray(RECORD_HEADER_BYTE_COUNT, bodyEnd), offset);
    this.queue.discard(pending.recordByteCount);
    this.phase = pending.phaseAfter;
    this.pending = undefined;
    return record;
  }
}

/** A known record whose header passed the checks and whose body is still arriving. */
interface PendingRecord {
  type: RecordType;
  bodyByteCount: number;
  recordByteCount: number;
  phaseAfter: StreamPhase;
}
