import { assert } from "../../core/errors.js";
import { MIB } from "../../core/units.js";
import type { Clock } from "../../core/clock.js";

/**
 * Bytes the sender may send at once after an idle spell. Xen's 2005 ratewrite used a 100 KiB
 * BURST_BUDGET per slot; one migration batch is 4 MiB (MAX_BATCH_SIZE 1024 pages), so 1 MiB keeps
 * bursts well under a batch while not stalling on every page.
 */
export const PACER_BURST_BYTES = MIB;

/**
 * A token bucket: tokens are bytes, refilled at the limit rate up to the burst size. The sender asks
 * before each send how long to wait; the bytes are charged at once, so the caller must send them
 * after waiting. The bucket starts full, like ratewrite's first BURST_BUDGET.
 */
export class Pacer {
  private tokenByteCount: number;
  private lastRefillMs: number;

  constructor(
    private readonly clock: Clock,
    readonly burstByteCount: number = PACER_BURST_BYTES,
  ) {
    assert(burstByteCount > 0 && Number.isFinite(burstByteCount), `burst ${burstByteCount} B is not > 0`);
    this.tokenByteCount = burstByteCount;
    this.lastRefillMs = clock.nowMs();
  }

  /** Milliseconds to wait before sending `byteCount` bytes so the average stays <= the limit. */
  delayMsFor(byteCount: number, limitBytesPerSecond: number): number {
    assert(byteCount >= 0 && Number.isFinite(byteCount), `byteCount ${byteCount} is not >= 0`);
    assert(limitBytesPerSecond > 0, `limit ${limitBytesPerSecond} B/s is not > 0`);
    const nowMs = this.clock.nowMs();
    assert(nowMs >= this.lastRefillMs, "clock went backwards");
    if (limitBytesPerSecond === Infinity) {
      this.tokenByteCount = this.burstByteCount;
    } else {
      const refillByteCount = ((nowMs - this.lastRefillMs) * limitBytesPerSecond) / 1000;
      this.tokenByteCount = Math.min(this.burstByteCount, this.tokenByteCount + refillByteCount);
    }
    this.lastRefillMs = nowMs;
    if (limitBytesPerSecond === Infinity) return 0;
    this.tokenByteCount -= byteCount;
    if (this.tokenByteCount >= 0) return 0;
    return (-this.tokenByteCount * 1000) / limitBytesPerSecond;
  }
}
