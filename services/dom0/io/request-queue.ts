import { assert } from "../../core/errors.js";

/** Requests completed by one `complete` call, by tag (0 and 1: tx/rx or read/write). */
export interface Completion {
  countByTag: [number, number];
  /** Σ over the completed requests of the time each waited in the queue (in `at` units), by tag. */
  waitTotalByTag: [number, number];
}

/**
 * The requests in flight on one ring (or an emulated device's queue) in submission order: batches
 * of requests submitted at the same time (`at`, the start of an I/O step) with the same tag. Each
 * batch holds at least one request, so at most `slotCount` batches exist: a fixed circular buffer,
 * allocated on first use (most devices of an idle guest never carry a request).
 */
const EMPTY_COUNTS = new Int32Array(0);
const EMPTY_TIMES = new Float64Array(0);
const EMPTY_TAGS = new Uint8Array(0);

export class RequestQueue {
  private counts = EMPTY_COUNTS;
  private submittedAt = EMPTY_TIMES;
  private tags = EMPTY_TAGS;
  private head = 0;
  private batchCount = 0;
  private inFlight = 0;

  constructor(readonly slotCount: number) {
    assert(Number.isInteger(slotCount) && slotCount >= 1, `queue of ${slotCount} slots`);
  }

  get requestCountInFlight(): number {
    return this.inFlight;
  }

  get slotCountFree(): number {
    return this.slotCount - this.inFlight;
  }

  get isEmpty(): boolean {
    return this.inFlight === 0;
  }

  /** `count` requests submitted at `at` join the end of the queue; they must fit. */
  push(count: number, at: number, tag: 0 | 1): void {
    assert(
      Number.isInteger(count) && count >= 0 && count <= this.slotCountFree,
      `push ${count} into ${this.slotCountFree} free`,
    );
    if (count === 0) return;
    if (this.counts.length === 0) {
      this.counts = new Int32Array(this.slotCount);
      this.submittedAt = new Float64Array(this.slotCount);
      this.tags = new Uint8Array(this.slotCount);
    }
    const last = (this.head + this.batchCount - 1) % this.slotCount;
    if (this.batchCount > 0 && this.submittedAt[last] === at && this.tags[last] === tag) {
      this.counts[last]! += count;
    } else {
      const slot = (this.head + this.batchCount) % this.slotCount;
      this.counts[slot] = count;
      this.submittedAt[slot] = at;
      this.tags[slot] = tag;
      this.batchCount++;
    }
    this.inFlight += count;
  }

  /** Moves the `count` oldest requests to the end of `target`, keeping when they were submitted. */
  moveTo(target: RequestQueue, count: number): void {
    assert(count <= this.inFlight && count <= target.slotCountFree, `move ${count} of ${this.inFlight}`);
    let left = count;
    while (left > 0) {
      const taken = Math.min(left, this.counts[this.head]!);
      target.push(taken, this.submittedAt[this.head]!, this.tags[this.head] as 0 | 1);
      this.take(taken);
      left -= taken;
    }
  }

  /** The backend responds to the `count` oldest requests at `at`; their slots are free again. */
  complete(count: number, at: number, into: Completion): void {
    assert(
      Number.isInteger(count) && count >= 0 && count <= this.inFlight,
      `complete ${count} of ${this.inFlight}`,
    );
    let left = count;
    while (left > 0) {
      const taken = Math.min(left, this.counts[this.head]!);
      const tag = this.tags[this.head] as 0 | 1;
      into.countByTag[tag] += taken;
      into.waitTotalByTag[tag] += taken * (at - this.submittedAt[this.head]!);
      this.take(taken);
      left -= taken;
    }
  }

  /** Removes `count` requests (at most the head batch's) from the head. */
  private take(count: number): void {
    this.counts[this.head]! -= count;
    this.inFlight -= count;
    if (this.counts[this.head] === 0) {
      this.head = (this.head + 1) % this.slotCount;
      this.batchCount--;
    }
  }
}

export function emptyCompletion(): Completion {
  return { countByTag: [0, 0], waitTotalByTag: [0, 0] };
}
