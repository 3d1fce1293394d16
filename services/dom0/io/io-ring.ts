import { assert } from "../../core/errors.js";
import type { GrantTable } from "../../core/io/grant-table.js";
import {
  type IoOpCounters,
  type IoRingCounters,
  type IoRingStats,
  emptyOpCounters,
  emptyRingCounters,
} from "./io-counters.js";
import { RequestQueue, emptyCompletion } from "./request-queue.js";

const NS_PER_SECOND = 1e9;

/** How one ring is built: its size, what a request is, what it costs and where it comes from. */
export interface IoRingSetup {
  slotCount: number;
  /** Ring slots one request takes: a packet takes one per page it spans (netif.h), a blkif request one. */
  slotCountPerRequest: number;
  /** Grant entries one request holds while in flight: its data pages (0 for an emulated device). */
  grantCountPerRequest: number;
  requestByteCount: number;
  requestCpuNs: number;
  fixedLatencyNs: number;
  /** The most requests the guest queues behind a full ring before it drops or stops issuing them. */
  backlogCountMax: number;
  /** Arrival rate of each tag (tx/rx or read/write) in requests per second. */
  requestsPerSecondByTag: [number, number];
  /** PV: the frontend's grant table, which the requests' data pages come from. */
  grants?: GrantTable;
  /** PV: event channel sends, frontend -> backend and back. */
  notifyBackend?: () => void;
  notifyFrontend?: () => void;
}

/**
 * One shared ring of a split device (or the queue of an emulated one), and the guest-side queue
 * behind it. Requests arrive at fixed rates, the frontend puts what fits on the ring, the backend
 * serves them with the Dom0 CPU it is given. Counts only: no request is an object of its own.
 */
export class IoRing {
  readonly ops: [IoOpCounters, IoOpCounters] = [emptyOpCounters(), emptyOpCounters()];
  readonly counters: IoRingCounters = emptyRingCounters();
  private readonly queue: RequestQueue;
  /** Requests the guest has issued that are not on the ring yet, oldest first. */
  private readonly backlog: RequestQueue;
  private readonly arrivalCarry: [number, number] = [0, 0];
  /** CPU already spent on the oldest request in flight. */
  private headProgressNs = 0;
  private readonly completion = emptyCompletion();
  private blocked = false;
  private limitedBy: "ring" | "grants" = "ring";

  constructor(private readonly setup: IoRingSetup) {
    assert(
      setup.slotCountPerRequest >= 1 && setup.slotCountPerRequest <= setup.slotCount,
      "request larger than the ring",
    );
    assert(setup.requestCpuNs > 0 && setup.backlogCountMax >= 0, "ring setup");
    this.queue = new RequestQueue(Math.floor(setup.slotCount / setup.slotCountPerRequest));
    this.backlog = new RequestQueue(setup.backlogCountMax);
  }

  get hasWork(): boolean {
    return !this.queue.isEmpty;
  }

  get backlogCount(): number {
    return this.backlog.requestCountInFlight;
  }

  get isProducing(): boolean {
    return this.setup.requestsPerSecondByTag[0] > 0 || this.setup.requestsPerSecondByTag[1] > 0;
  }

  /** The guest issues the requests due in the step of `stepNs` starting at `at`; past its queue limit they overflow. */
  arrive(at: number, stepNs: number): void {
    this.arriveTag(0, at, stepNs);
    this.arriveTag(1, at, stepNs);
  }

  private arriveTag(tag: 0 | 1, at: number, stepNs: number): void {
    const rate = this.setup.requestsPerSecondByTag[tag];
    if (rate === 0) return;
    const due = this.arrivalCarry[tag] + (rate * stepNs) / NS_PER_SECOND;
    const count = Math.floor(due);
    this.arrivalCarry[tag] = due - count;
    if (count === 0) return;
    const queued = Math.min(count, this.backlog.slotCountFree);
    this.backlog.push(queued, at, tag);
    this.counters.overflowCount += count - queued;
  }

  /** RING_PUSH_REQUESTS: the frontend puts what fits on the ring, oldest first; returns how many. */
  push(): number {
    const waiting = this.backlogCount;
    if (waiting === 0) return 0;
    const byRing = this.queue.slotCountFree;
    const perRequest = this.setup.grantCountPerRequest;
    const byGrants =
      this.setup.grants && perRequest > 0
        ? Math.floor(this.setup.grants.entryCountFree / perRequest)
        : Infinity;
    const count = Math.min(waiting, byRing, byGrants);
    if (count < waiting) this.limitedBy = byGrants < byRing ? "grants" : "ring";
    if (count === 0) return 0;
    if (this.setup.grants && perRequest > 0)
      assert(this.setup.grants.claimEntries(count * perRequest), "grants vanished");
    const wasEmpty = this.queue.isEmpty;
    this.backlog.moveTo(this.queue, count);
    // RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: the backend only needs a kick when it had gone idle.
    if (wasEmpty) this.notify("notifyToBackendCount", this.setup.notifyBackend);
    return count;
  }

  /** The end of an I/O step: if requests still wait, the frontend found the ring full (and stops). */
  endStep(): void {
    if (this.backlogCount === 0) {
      this.blocked = false;
      return;
    }
    if (this.blocked) return;
    this.blocked = true;
    if (this.limitedBy === "grants") this.counters.grantExhaustedCount++;
    else this.counters.ringFullCount++;
  }

  /** Dom0 CPU it would take to serve what is on the ring and behind it. */
  get workNs(): number {
    return (
      (this.queue.requestCountInFlight + this.backlogCount) * this.setup.requestCpuNs - this.headProgressNs
    );
  }

  /** Dom0 CPU the arrivals of `elapsedNs` will take. */
  arrivalWorkNs(elapsedNs: number): number {
    const [read, write] = this.setup.requestsPerSecondByTag;
    return ((read + write) * elapsedNs * this.setup.requestCpuNs) / NS_PER_SECOND;
  }

  /** How long arrivals take to fill the ring from empty; Infinity when nothing arrives. */
  get fillTimeNs(): number {
    const [first, second] = this.setup.requestsPerSecondByTag;
    const perSecond = first + second;
    return perSecond > 0 ? (this.queue.slotCount * NS_PER_SECOND) / perSecond : Infinity;
  }

  /** The backend serves oldest first with up to `budgetNs` of Dom0 CPU at `at`; returns what it used. */
  serve(budgetNs: number, at: number): number {
    const inFlight = this.queue.requestCountInFlight;
    if (inFlight === 0 || budgetNs <= 0) return 0;
    const costNs = this.setup.requestCpuNs;
    const spentNs = Math.min(budgetNs, inFlight * costNs - this.headProgressNs);
    const doneNs = this.headProgressNs + spentNs;
    const count = Math.min(inFlight, Math.floor(doneNs / costNs));
    this.headProgressNs = count === inFlight ? 0 : doneNs - count * costNs;
    if (count > 0) this.complete(count, at);
    return spentNs;
  }

  private complete(count: number, at: number): void {
    const done = this.completion;
    done.countByTag[0] = done.countByTag[1] = done.waitTotalByTag[0] = done.waitTotalByTag[1] = 0;
    this.queue.complete(count, at, done);
    const { requestCpuNs, requestByteCount, fixedLatencyNs, grants, grantCountPerRequest } = this.setup;
    for (let tag = 0; tag < 2; tag++) {
      const n = done.countByTag[tag]!;
      if (n === 0) continue;
      const op = this.ops[tag]!;
      op.requestCount += n;
      op.byteCount += n * requestByteCount;
      op.dom0CpuNs += n * requestCpuNs;
      op.latencyNsTotal += done.waitTotalByTag[tag]! + n * (requestCpuNs + fixedLatencyNs);
    }
    if (grants && grantCountPerRequest > 0) grants.releaseEntries(count * grantCountPerRequest);
    this.notify("notifyToFrontendCount", this.setup.notifyFrontend);
  }

  private notify(
    counter: "notifyToBackendCount" | "notifyToFrontendCount",
    send: (() => void) | undefined,
  ): void {
    this.counters[counter]++;
    send?.();
  }

  /** Gives back the grant entries of requests still in flight (the device is going away). */
  dispose(): void {
    const { grants, grantCountPerRequest } = this.setup;
    if (grants && grantCountPerRequest > 0)
      grants.releaseEntries(this.queue.requestCountInFlight * grantCountPerRequest);
  }

  stats(): IoRingStats {
    return {
      ...this.counters,
      slotCount: this.setup.slotCount,
      requestCountInFlight: this.queue.requestCountInFlight,
      grantEntryCountInUse: this.setup.grants
        ? this.queue.requestCountInFlight * this.setup.grantCountPerRequest
        : 0,
    };
  }
}
