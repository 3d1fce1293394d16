import { assert } from "../../errors.js";
import type { Credit2Unit } from "./unit.js";

/**
 * One credit2 runqueue (struct csched2_runqueue_data): the pCPUs that share it, every unit assigned
 * to it (rqd->svc), the waiting ones ordered by credit, and the top weight among them.
 */
export class Credit2Runqueue {
  /** Waiting units, most credit first; equal credit in arrival order (runq_insert). */
  readonly queue: Credit2Unit[] = [];
  readonly units = new Set<Credit2Unit>();
  /** rqd->max_weight: the highest weight of the units assigned here. */
  maxWeight = 1;
  /**
   * Every unit assigned here whose credit differs from CREDIT_MAX_NS (and maybe some whose credit
   * no longer does), in no order: the only ones a credit reset changes besides the running ones.
   */
  readonly offCap: Credit2Unit[] = [];
  /** Whether each pCPU of the host is one of this runqueue's (hasPcpu without a search). */
  private readonly pcpuIsHere: boolean[] = [];

  constructor(
    readonly index: number,
    readonly pcpus: readonly number[],
  ) {
    for (const pcpu of pcpus) this.pcpuIsHere[pcpu] = true;
  }

  hasPcpu(pcpu: number): boolean {
    return this.pcpuIsHere[pcpu] === true;
  }

  assign(unit: Credit2Unit): void {
    this.units.add(unit);
    this.updateMaxWeight();
  }

  unassign(unit: Credit2Unit): void {
    assert(!unit.queued, "unassigning a queued unit");
    this.units.delete(unit);
    this.updateMaxWeight();
    if (unit.offCap) {
      const index = this.offCap.indexOf(unit);
      assert(index >= 0, "unit marked off the credit cap but not listed");
      removeAt(this.offCap, index);
      unit.offCap = false;
    }
  }

  /** Puts the unit on offCap unless it is there or its credit is `creditMaxNs`. */
  noteCredit(unit: Credit2Unit, creditMaxNs: number): void {
    if (unit.offCap || unit.credit === creditMaxNs) return;
    unit.offCap = true;
    this.offCap.push(unit);
  }

  updateMaxWeight(): void {
    let max = 1;
    for (const unit of this.units) max = Math.max(max, unit.domain.weight);
    this.maxWeight = max;
  }

  insert(unit: Credit2Unit): void {
    assert(!unit.queued && unit.runqueue === this, "unit queued twice or on the wrong runqueue");
    // Binary search for the first unit with less credit: after every unit with as much or more.
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.queue[middle]!.credit >= unit.credit) low = middle + 1;
      else high = middle;
    }
    insertAt(this.queue, low, unit);
    unit.queued = true;
  }

  remove(unit: Credit2Unit): void {
    const index = this.queue.indexOf(unit);
    assert(unit.queued && index >= 0, "unit not on this runqueue");
    removeAt(this.queue, index);
    unit.queued = false;
  }

  /** Running plus waiting units per pCPU, for picking the least loaded runqueue. */
  load(runningCount: number): number {
    return (this.queue.length + runningCount) / this.pcpus.length;
  }
}

/** Splits the pCPUs into runqueues of at most `perRunqueueMax` consecutive pCPUs, as even as can be. */
export function buildRunqueues(pcpuCount: number, perRunqueueMax: number): Credit2Runqueue[] {
  const count = Math.ceil(pcpuCount / perRunqueueMax);
  const pcpusByRunqueue: number[][] = Array.from({ length: count }, () => []);
  for (let pcpu = 0; pcpu < pcpuCount; pcpu++) {
    pcpusByRunqueue[Math.floor((pcpu * count) / pcpuCount)]!.push(pcpu);
  }
  return pcpusByRunqueue.map((pcpus, index) => new Credit2Runqueue(index, pcpus));
}

/** `splice(index, 0, unit)` without the array of removed items splice returns (every wake and pick). */
function insertAt(queue: Credit2Unit[], index: number, unit: Credit2Unit): void {
  queue.push(unit);
  for (let i = queue.length - 1; i > index; i--) queue[i] = queue[i - 1]!;
  queue[index] = unit;
}

/** `splice(index, 1)` without allocating. */
function removeAt(queue: Credit2Unit[], index: number): void {
  for (let i = index; i < queue.length - 1; i++) queue[i] = queue[i + 1]!;
  queue.pop();
}
