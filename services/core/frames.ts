import { XenError, assert } from "./errors.js";
import { PAGE_SIZE_BYTES, MIB } from "./units.js";

/**
 * Host physical memory as 4 KiB frames, accounted per owning domain (Xen's page allocator with
 * d->tot_pages). Xen does not overcommit: an allocation that does not fit is refused whole.
 */
export class FrameAllocator {
  private frameCountFree: number;
  private readonly framesByOwner = new Map<number, number>();

  constructor(readonly frameCountTotal: number) {
    assert(
      Number.isInteger(frameCountTotal) && frameCountTotal > 0,
      "frame count must be a positive integer",
    );
    this.frameCountFree = frameCountTotal;
  }

  get frameCountFreeNow(): number {
    return this.frameCountFree;
  }

  framesOwnedBy(domid: number): number {
    return this.framesByOwner.get(domid) ?? 0;
  }

  /** Allocates `frameCount` frames to `domid`, or throws ENOMEM and changes nothing. */
  allocate(domid: number, frameCount: number, what: string): void {
    assert(Number.isInteger(frameCount) && frameCount >= 0, `bad frame count ${frameCount}`);
    if (frameCount > this.frameCountFree) {
      throw new XenError(
        "ENOMEM",
        `${what} needs ${formatMib(frameCount)} MiB but the host has ${formatMib(this.frameCountFree)} MiB free ` +
          `(Xen does not overcommit memory)`,
      );
    }
    this.frameCountFree -= frameCount;
    this.framesByOwner.set(domid, this.framesOwnedBy(domid) + frameCount);
  }

  /** Returns `frameCount` of `domid`'s frames to the free pool. */
  release(domid: number, frameCount: number): void {
    const owned = this.framesOwnedBy(domid);
    assert(
      frameCount >= 0 && frameCount <= owned,
      `domain ${domid} releases ${frameCount} of ${owned} frames`,
    );
    this.frameCountFree += frameCount;
    if (owned === frameCount) this.framesByOwner.delete(domid);
    else this.framesByOwner.set(domid, owned - frameCount);
  }

  releaseAll(domid: number): void {
    this.release(domid, this.framesOwnedBy(domid));
  }
}

function formatMib(frameCount: number): string {
  const mib = (frameCount * PAGE_SIZE_BYTES) / MIB;
  return Number.isInteger(mib) ? String(mib) : mib.toFixed(1);
}
