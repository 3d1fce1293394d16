import { assert } from "../errors.js";

/**
 * Storage chunks freed by one guest, kept for the next: the host's free memory, as Xen's heap keeps
 * the frames of a destroyed domain, scrubbed, for the next allocation. A fresh chunk costs the host
 * OS a page fault on the first touch of each 4 KiB page (2-10 µs here: 0.5-2.5 s a GiB, which a
 * migration's destination pays while it receives); a pooled one costs nothing when taken. A chunk
 * is scrubbed when the pool keeps it, by whoever knows which of its pages were written, so pages
 * never written are neither zeroed again nor faulted in.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** Bytes taken and not given back: guest pages the host really holds. */
  private byteCountTaken = 0;
  /** Bytes dropped past the pool since start: memory for the OS to take back once collected. */
  byteCountDropped = 0;

  /** Pools chunks of exactly `chunkByteCount` bytes, at most `chunkCountMax` of them. */
  constructor(
    readonly chunkByteCount: number,
    readonly chunkCountMax: number,
  ) {
    assert(chunkByteCount > 0 && chunkCountMax >= 0, `chunk pool of ${chunkCountMax} x ${chunkByteCount} B`);
  }

  get freeCount(): number {
    return this.free.length;
  }

  /** Bytes of chunks in use by page stores now. */
  get byteCountInUse(): number {
    return this.byteCountTaken;
  }

  /** Bytes the host process holds for guest memory: in use plus pooled (the rest went back to the OS). */
  get byteCountHeld(): number {
    return this.byteCountTaken + this.free.length * this.chunkByteCount;
  }

  /** A zero-filled buffer: a pooled chunk (zero since it was given back) when the size matches, else a fresh one. */
  take(byteCount: number): Buffer {
    this.byteCountTaken += byteCount;
    if (byteCount === this.chunkByteCount) {
      const bytes = this.free.pop();
      if (bytes !== undefined) return bytes;
    }
    return Buffer.alloc(byteCount);
  }

  /**
   * Takes back a chunk nobody reads any more. Past chunkCountMax, or of another size, it is dropped:
   * its memory goes back to the OS once collected. A chunk the pool keeps must be all zero: `scrub`
   * makes it so (called only then); without one the pool zeroes the whole chunk.
   */
  give(bytes: Buffer, scrub: (bytes: Buffer) => void = zeroAll): void {
    assert(!this.free.includes(bytes), "chunk given back to the pool twice");
    this.byteCountTaken -= bytes.byteLength;
    assert(this.byteCountTaken >= 0, "more chunk bytes given back than taken");
    if (bytes.byteLength !== this.chunkByteCount || this.free.length >= this.chunkCountMax) {
      this.byteCountDropped += bytes.byteLength;
      return;
    }
    scrub(bytes);
    this.free.push(bytes);
  }
}

function zeroAll(bytes: Buffer): void {
  bytes.fill(0);
}
