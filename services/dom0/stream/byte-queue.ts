/**
 * The bytes pushed into a StreamDecoder and not yet consumed, kept as the list of chunks they
 * arrived in (no concatenation on push, so buffering is O(bytes)). A span that lies inside one
 * chunk is returned as a view; only a span that straddles chunks is copied, into a scratch buffer
 * reused from span to span. Tiny chunks (a peer trickling bytes) are coalesced into a tail buffer,
 * so the chunk list stays short whatever the chunking.
 */
const COMPACT_HEAD_INDEX_MIN = 1024;
/** Chunks smaller than this are copied into a shared tail buffer instead of being listed one by one. */
const SMALL_CHUNK_BYTE_COUNT_MAX = 512;
const TAIL_BYTE_COUNT = 64 * 1024;

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private headIndex = 0;
  private headOffset = 0;
  private scratch = new Uint8Array(0);
  /** The buffer small chunks are appended to; the last listed chunk views its first tailByteCount bytes. */
  private tail: Uint8Array | undefined;
  private tailByteCount = 0;
  /** Bytes buffered and not yet consumed. */
  byteCount = 0;
  /** Bytes consumed since the start: the stream offset of the first buffered byte. */
  byteCountConsumed = 0;

  /** Takes `chunk` without copying it: the caller must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.byteCount += chunk.byteLength;
    if (chunk.byteLength > SMALL_CHUNK_BYTE_COUNT_MAX) {
      this.chunks.push(chunk);
      this.tail = undefined;
      return;
    }
    if (this.tail === undefined || this.tailByteCount + chunk.byteLength > this.tail.byteLength) {
      this.tail = new Uint8Array(TAIL_BYTE_COUNT);
      this.tailByteCount = 0;
      this.chunks.push(this.tail.subarray(0, 0));
    }
    this.tail.set(chunk, this.tailByteCount);
    this.tailByteCount += chunk.byteLength;
    this.chunks[this.chunks.length - 1] = this.tail.subarray(0, this.tailByteCount);
  }

  /** The little-endian u32 at `position` bytes past the head. */
  u32At(position: number): number {
    if (position + 4 > this.byteCount)
      throw new Error(`ByteQueue.u32At: ${position} + 4 > ${this.byteCount}`);
    const head = this.chunks[this.headIndex];
    if (head !== undefined && this.headOffset + position + 4 <= head.byteLength) {
      const at = this.headOffset + position;
      return (head[at]! | (head[at + 1]! << 8) | (head[at + 2]! << 16) | (head[at + 3]! << 24)) >>> 0;
    }
    let value = 0;
    for (let byteIndex = 3; byteIndex >= 0; byteIndex--)
      value = value * 256 + this.byteAt(position + byteIndex);
    return value;
  }

  private byteAt(position: number): number {
    let left = position + this.headOffset;
    for (let index = this.headIndex; index < this.chunks.length; index++) {
      const chunk = this.chunks[index]!;
      if (left < chunk.byteLength) return chunk[left]!;
      left -= chunk.byteLength;
    }
    throw new Error(`ByteQueue.byteAt: ${position} is past the buffered bytes`);
  }

  /** The first `byteCount` bytes, contiguous: a view valid until the next span(). */
  span(byteCount: number): Uint8Array {
    if (byteCount > this.byteCount)
      throw new Error(`ByteQueue.span: ${byteCount} > ${this.byteCount} buffered`);
    const head = this.chunks[this.headIndex];
    if (head === undefined) return this.scratch.subarray(0, 0);
    if (this.headOffset + byteCount <= head.byteLength) {
      return head.subarray(this.headOffset, this.headOffset + byteCount);
    }
    if (this.scratch.byteLength < byteCount) {
      this.scratch = new Uint8Array(Math.max(byteCount, 2 * this.scratch.byteLength));
    }
    let copied = 0;
    for (let index = this.headIndex; copied < byteCount; index++) {
      const chunk = this.chunks[index]!;
      const from = index === this.headIndex ? this.headOffset : 0;
      const to = Math.min(chunk.byteLength, from + byteCount - copied);
      this.scratch.set(chunk.subarray(from, to), copied);
      copied += to - from;
    }
    return this.scratch.subarray(0, byteCount);
  }

  /** Consumes the first `byteCount` bytes. */
  discard(byteCount: number): void {
    if (byteCount > this.byteCount)
      throw new Error(`ByteQueue.discard: ${byteCount} > ${this.byteCount} buffered`);
    this.byteCount -= byteCount;
    this.byteCountConsumed += byteCount;
    let left = byteCount;
    while (left > 0) {
      const head = this.chunks[this.headIndex]!;
      const inHead = head.byteLength - this.headOffset;
      if (left < inHead) {
        this.headOffset += left;
        return;
      }
      left -= inHead;
      this.chunks[this.headIndex] = EMPTY; // let the consumed chunk be collected
      this.headIndex++;
      this.headOffset = 0;
    }
    this.compact();
  }

  private compact(): void {
    if (this.headIndex === this.chunks.length) {
      this.chunks = [];
      this.headIndex = 0;
      this.tail = undefined;
    } else if (this.headIndex >= COMPACT_HEAD_INDEX_MIN && 2 * this.headIndex >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.headIndex);
      this.headIndex = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
