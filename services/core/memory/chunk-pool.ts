import { assert } from "../errors.js";

/**
 * Storage chunks freed by one guest, kept for the next: the host's free memory, as Xen's heap keeps
 * the frames of a destroyed domain and scrubs them before it hands them out again. A fresh chunk
 * costs the host OS a page fault on the first touch of each 4 KiB page (3-6 µs here: 1.2-1.6 s a
 * GiB, which a migration's destination pays while it receives); a pooled one costs one memset.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** Free chunks known to be all zero: taken without a memset. */
  private readonly scrubbed = new Set<Buffer>();
  /** Bytes taken and not given back: guest pages the host really holds. */
  private byteCountTaken = 0;
  /** Bytes dropped past the pool since start: memory for the OS to take back once collected. */
  byteCountDropped = 0;
  /**
   * Fresh chunks are SharedArrayBuffers (another thread may store into them: store-worker.ts);
   * `onDrop` hears of each chunk dropped past the pool.
   */
  shared = false;
  onDrop: ((bytes: Buffer) => void) | undefined;

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

  /**
   * A zero-filled buffer: a pooled chunk (scrubbed now unless it came back scrubbed) when the size
   * matches, else a fresh allocation.
   */
  take(byteCount: number): Buffer {
    this.byteCountTaken += byteCount;
    if (byteCount === this.chunkByteCount) {
      const bytes = this.free.pop();
      if (bytes !== undefined) {
        const scrubbed = this.scrubbed.delete(bytes);
        return scrubbed ? bytes : bytes.fill(0);
      }
    }
    return this.shared ? Buffer.from(new SharedArrayBuffer(byteCount)) : Buffer.alloc(byteCount);
  }

  /** Whether give() would keep this chunk now (its size, room left): worth scrubbing it first. */
  keeps(bytes: Buffer): boolean {
    return bytes.byteLength === this.chunkByteCount && this.free.length < this.chunkCountMax;
  }

  /**
   * Takes back a chunk nobody reads any more; `scrubbed` says its every byte is zero already (the
   * caller zeroed what it wrote), else it is scrubbed when taken again. Past chunkCountMax, or of
   * another size, it is dropped: its memory goes back to the OS once collected.
   */
  give(bytes: Buffer, scrubbed = false): void {
    assert(!this.free.includes(bytes), "chunk given back to the pool twice");
    this.byteCountTaken -= bytes.byteLength;
    assert(this.byteCountTaken >= 0, "more chunk bytes given back than taken");
    if (!this.keeps(bytes)) {
      this.byteCountDropped += bytes.byteLength;
      this.onDrop?.(bytes);
      return;
    }
    this.free.push(bytes);
    if (scrubbed) this.scrubbed.add(bytes);
  }
}
