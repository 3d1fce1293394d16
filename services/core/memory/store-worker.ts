import { MessageChannel, Worker } from "node:worker_threads";
import { assert } from "../errors.js";

// Guest stores applied by a second thread: the process's other core takes the page faults and the
// cache and TLB misses of random 8-byte stores into gigabytes of guest memory, while the simulation
// goes on. The main thread decides everything (which page, which word, which bytes, the populated
// and dirty bits) and queues the stores in a ring shared with the worker; the worker applies them
// in queue order, so every word ends with the same bytes. Whoever reads or changes guest memory
// on the main thread first waits until the worker has applied the stores queued before
// (`waitFor`), so every reader sees exactly what it would have seen had the stores been made in place.

/** Stores the ring holds: 131,072 x 16 bytes = 2 MiB; a full ring makes the main thread wait. */
export const STORE_RING_ENTRY_COUNT = 1 << 17;
/**
 * Stores queued before the worker is told: one wake-up per this many, not one per guest per tick.
 * A wake-up of the sleeping worker cost the main thread ~170 µs on the 2-core VM under load (1,024:
 * 2,800 wake-ups, 10 % of the busy cluster's main thread). Anyone who reads memory publishes first (waitFor).
 */
export const STORE_PUBLISH_COUNT = 16_384;
/** Bytes of chunks the worker lets go of before it collects its garbage (their memory goes back then). */
const STORE_WORKER_COLLECT_BYTE_COUNT = 128 * 1024 * 1024;
/** Loads of the worker's position before the main thread sleeps on it. */
const WAIT_SPIN_COUNT = 2000;
/** The main thread's sleep in one wait, at most: it looks again after this (the worker may have died). */
const WAIT_SLICE_MS = 5;

// Words of the control array.
const HEAD = 0; // stores applied by the worker (a count modulo 2^32)
const TAIL = 1; // stores published by the main thread
const WORKER_SLEEPING = 2;
const MAIN_WAITING = 3;
const WORKER_FAILED = 4;
const CONTROL_WORD_COUNT = 5;
/** u32 words per queued store: chunk id, u32 word in the chunk, low half, high half. */
const ENTRY_WORD_COUNT = 4;

/**
 * The worker's loop, as source (an eval worker: no file to find, whether run from dist/ or by
 * vitest from the TypeScript). It knows chunks by id, sent with their SharedArrayBuffer on a port.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, ring, port, mask } = workerData;
// This loop never yields to the worker's event loop, and it hardly allocates: its GC would not run
// for long, and a dropped chunk's memory stays held while a view here still points at it. So the
// worker collects itself once it has let go of enough chunks. The flag is the process's: left on,
// as fullCollection (services/core/full-collection.ts) leaves it, so neither undoes the other.
require("node:v8").setFlagsFromString("--expose-gc");
const collect = require("node:vm").runInNewContext("gc");
/** Chunk views by id (ids are small and dense: an array, not a Map). */
const views = [];
let forgottenByteCount = 0;
function readPort() {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const message = m.message;
    if (message.buffer !== undefined) {
      views[message.id] = new Uint32Array(message.buffer);
    } else {
      forgottenByteCount += views[message.id]?.byteLength ?? 0;
      views[message.id] = undefined;
    }
  }
  if (forgottenByteCount >= ${STORE_WORKER_COLLECT_BYTE_COUNT}) {
    forgottenByteCount = 0;
    collect();
  }
}
/** Applies the stores in [head, tail); a function, so that V8 optimizes the loop. */
function apply(head, tail) {
  while (head !== tail) {
    const at = (head & mask) * ${ENTRY_WORD_COUNT};
    const id = ring[at];
    let words = views[id];
    if (words === undefined) {
      readPort();
      words = views[id];
      if (words === undefined) throw new Error("store worker: unknown chunk " + id);
    }
    const word = ring[at + 1];
    words[word] = ring[at + 2];
    words[word + 1] = ring[at + 3];
    head = (head + 1) | 0;
  }
}
function loop() {
  let head = Atomics.load(control, ${HEAD});
  for (;;) {
    const tail = Atomics.load(control, ${TAIL});
    if (tail === head) {
      readPort();
      Atomics.store(control, ${WORKER_SLEEPING}, 1);
      if (Atomics.load(control, ${TAIL}) === head) Atomics.wait(control, ${TAIL}, head);
      Atomics.store(control, ${WORKER_SLEEPING}, 0);
      continue;
    }
    apply(head, tail);
    head = tail;
    Atomics.store(control, ${HEAD}, head);
    if (Atomics.load(control, ${MAIN_WAITING}) === 1) Atomics.notify(control, ${HEAD});
  }
}
try {
  loop();
} catch (error) {
  Atomics.store(control, ${WORKER_FAILED}, 1);
  Atomics.notify(control, ${HEAD});
  throw error;
}
`;

/**
 * A worker thread that applies queued u64 stores to chunks of shared memory, in order. Chunks are
 * registered once (`register`) and forgotten when the process drops them (`forget`).
 */
export class StoreWorker {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_WORD_COUNT * 4));
  private readonly ring = new Uint32Array(
    new SharedArrayBuffer(STORE_RING_ENTRY_COUNT * ENTRY_WORD_COUNT * 4),
  );
  private readonly worker: Worker;
  private readonly port;
  private readonly idByBuffer = new Map<ArrayBufferLike, number>();
  private idNext = 0;
  /** Stores queued (published or not), a count modulo 2^32. */
  private tail = 0;
  /** Stores published to the worker. */
  private tailPublished = 0;
  /** The worker's position last seen: room in the ring without asking. */
  private headSeen = 0;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { control: this.control, ring: this.ring, port: port2, mask: STORE_RING_ENTRY_COUNT - 1 },
      transferList: [port2],
    });
    // Neither keeps the process alive: nothing is owed to it once the main thread is done.
    this.worker.unref();
    this.port.unref();
  }

  /** The id stores into `bytes` are queued with; a Buffer over its own SharedArrayBuffer only. */
  register(bytes: Buffer): number {
    const buffer = bytes.buffer;
    const known = this.idByBuffer.get(buffer);
    if (known !== undefined) return known;
    assert(
      buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength,
      "store worker: a chunk must be a whole SharedArrayBuffer",
    );
    const id = this.idNext++;
    this.idByBuffer.set(buffer, id);
    this.port.postMessage({ id, buffer });
    return id;
  }

  /** The chunk is dropped: the worker lets go of it. Only once no store into it is pending (waitFor). */
  forget(bytes: Buffer): void {
    const id = this.idByBuffer.get(bytes.buffer);
    if (id === undefined) return;
    this.idByBuffer.delete(bytes.buffer);
    this.port.postMessage({ id });
  }

  /** Queues a store of (low, high) at u32 `word` and `word + 1` of chunk `id`. */
  push(id: number, word: number, low32: number, high32: number): void {
    const tail = this.tail;
    if (((tail - this.headSeen) | 0) >= STORE_RING_ENTRY_COUNT) this.waitForRoom();
    const at = (tail & (STORE_RING_ENTRY_COUNT - 1)) * ENTRY_WORD_COUNT;
    const ring = this.ring;
    ring[at] = id;
    ring[at + 1] = word;
    ring[at + 2] = low32;
    ring[at + 3] = high32;
    this.tail = (tail + 1) | 0;
    if (((this.tail - this.tailPublished) | 0) >= STORE_PUBLISH_COUNT) this.publish();
  }

  /** The position after the last store queued: what a reader of that memory waits for. */
  get position(): number {
    return this.tail;
  }

  /** Returns once the worker has applied every store queued before `position`. */
  waitFor(position: number): void {
    if (((this.headSeen - position) | 0) >= 0) return;
    if (((this.tailPublished - position) | 0) < 0) this.publish();
    const control = this.control;
    let head = Atomics.load(control, HEAD);
    for (let spin = 0; spin < WAIT_SPIN_COUNT && ((head - position) | 0) < 0; spin++)
      head = Atomics.load(control, HEAD);
    if (((head - position) | 0) < 0) {
      Atomics.store(control, MAIN_WAITING, 1);
      for (;;) {
        head = Atomics.load(control, HEAD);
        if (((head - position) | 0) >= 0) break;
        assert(Atomics.load(control, WORKER_FAILED) === 0, "store worker failed: guest memory is lost");
        Atomics.wait(control, HEAD, head, WAIT_SLICE_MS);
      }
      Atomics.store(control, MAIN_WAITING, 0);
    }
    this.headSeen = head;
  }

  private publish(): void {
    this.tailPublished = this.tail;
    Atomics.store(this.control, TAIL, this.tail);
    if (Atomics.load(this.control, WORKER_SLEEPING) === 1) Atomics.notify(this.control, TAIL);
  }

  private waitForRoom(): void {
    this.waitFor((this.tail - STORE_RING_ENTRY_COUNT / 2) | 0);
  }
}
